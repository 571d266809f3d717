/** The commands' door: the command catalog (types and partition keys), fingerprints and the runner. */
export {
  type Command,
  type CommandPayload,
  type CommandResult,
  type CommandType,
  partitionKey,
} from './catalog.js';
export { AUDIT_ID, fingerprintOf, REPLY_BY, REQUEST_ID, sealSecrets } from './fingerprint.js';
export { isReadOnlyCommand } from './registry.js';
export { type CommandMetrics, CommandRunner, InvalidCommandError } from './runner.js';
