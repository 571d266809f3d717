import { expect } from 'chai';
import { ConnectionClosed, RequestTimeout } from '../../../src/channels/smpp/smpp.connection.js';
import { InvalidCommandError } from '../../../src/commands/runner.js';
import { AppError } from '../../../src/lib/errors.js';

describe('AppError – the one error model', () => {
  it('an AppError – when nothing says otherwise – is operational, 400 and not retryable, and keeps its cause', () => {
    const cause = new Error('underneath');
    const err = new AppError('bad_request', 'no', undefined, undefined, { cause });
    expect(err).to.include({ code: 'bad_request', httpStatus: 400, operational: true, retryable: false });
    expect(err.cause).to.equal(cause);
  });

  it('retryable – when given – is kept', () => {
    expect(new AppError('busy', 'later', 503, true, { retryable: true }).retryable).to.equal(true);
  });

  it('the gateway’s own errors – are AppErrors: a bad command never retries, a lost SMPP answer may', () => {
    expect(new InvalidCommandError('unknown command type x')).to.be.instanceOf(AppError).and.include({
      code: 'invalid_command',
      retryable: false,
      name: 'InvalidCommandError',
    });
    expect(new RequestTimeout('submit_sm', 10)).to.be.instanceOf(AppError).and.include({ retryable: true });
    expect(new ConnectionClosed('reset')).to.be.instanceOf(AppError).and.include({ retryable: true });
  });
});
