/**
 * Plays Twilio's side of a voice call against the app: webhooks form-encoded and signed with the
 * `twilio` package's own `getExpectedTwilioSignature` over the public URL, each reply parsed as XML and
 * checked for the shape every TwiML of ours must have (root `<Response>`, a fallback verb after each
 * `<Gather>`, `<Say>` with a Polly voice of its language), then followed the way Twilio follows it: keys
 * post to the `<Gather>`'s action, silence follows the `<Redirect>`.
 */
import { randomUUID } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import twilio from 'twilio';
import type { Reply, TestServer } from '../integration/ops/server.js';

export const TWILIO_TOKEN = 'test-twilio-auth-token-0123456789';
/** Where Twilio calls us: a proxy in front of the test server, whose own address differs. */
export const PUBLIC_URL = 'https://ivr.example.com';

export const newCallSid = () => `CA${randomUUID().replace(/-/g, '')}`;

/** A reply as the caller meets it. */
export interface Heard {
  /** Every `<Say>`, in order, joined by a space. */
  said: string;
  /** Each `<Say>`'s language and voice. */
  voices: string[];
  /** The `<Gather>`, when the reply waits for keys. */
  gather?: { action: string; numDigits?: string; finishOnKey?: string; input: string };
  /** The `<Redirect>` after it (silence). */
  redirect?: string;
  hangup: boolean;
}

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };
const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '' });

const tagOf = (node: Node) => Object.keys(node).find((k) => k !== ':@') as string;
const textOf = (children: Node[]) =>
  children.map((c) => (c['#text'] === undefined ? '' : String(c['#text']))).join('');

const VOICES = new Set(['cmn-CN Polly.Zhiyu', 'en-US Polly.Joanna']);

/** Parses a TwiML reply and checks its shape; throws, quoting it, when it is not one of ours. */
export function hear(xml: string): Heard {
  const doc = parser.parse(xml) as Node[];
  const roots = doc.filter((n) => tagOf(n) !== '?xml');
  if (roots.length !== 1 || tagOf(roots[0]) !== 'Response') throw new Error(`root is not <Response>: ${xml}`);
  const verbs = roots[0].Response as Node[];
  const heard: Heard = { said: '', voices: [], hangup: false };
  const says: string[] = [];
  const sayOf = (node: Node) => {
    const attrs = node[':@'] ?? {};
    const voice = `${attrs.language} ${attrs.voice}`;
    if (!VOICES.has(voice)) throw new Error(`a <Say> with no voice of ours (${voice}): ${xml}`);
    heard.voices.push(voice);
    says.push(textOf(node.Say as Node[]));
  };
  verbs.forEach((verb, i) => {
    const tag = tagOf(verb);
    if (tag === 'Say') sayOf(verb);
    else if (tag === 'Gather') {
      const attrs = verb[':@'] ?? {};
      if (attrs.input !== 'dtmf') throw new Error(`a <Gather> not for DTMF: ${xml}`);
      const next = verbs[i + 1];
      if (!next) throw new Error(`a <Gather> with no fallback verb after it: ${xml}`);
      for (const inner of verb.Gather as Node[]) sayOf(inner);
      heard.gather = {
        action: attrs.action,
        input: attrs.input,
        ...(attrs.numDigits ? { numDigits: attrs.numDigits } : {}),
        ...(attrs.finishOnKey ? { finishOnKey: attrs.finishOnKey } : {}),
      };
    } else if (tag === 'Redirect') heard.redirect = textOf(verb.Redirect as Node[]);
    else if (tag === 'Hangup') heard.hangup = true;
    else if (tag !== 'Pause') throw new Error(`an unexpected verb <${tag}>: ${xml}`);
  });
  heard.said = says.join(' ');
  return heard;
}

/** Signs and posts a webhook to `url` (public, or a path under PUBLIC_URL); `signedUrl` signs another. */
export async function post(
  server: TestServer,
  url: string,
  params: Record<string, string>,
  options: { token?: string; signedUrl?: string; signature?: string | null } = {},
): Promise<Reply> {
  const publicUrl = url.startsWith('http') ? url : `${PUBLIC_URL}${url}`;
  const path = publicUrl.slice(PUBLIC_URL.length);
  const signature =
    options.signature === undefined
      ? twilio.getExpectedTwilioSignature(
          options.token ?? TWILIO_TOKEN,
          options.signedUrl ?? publicUrl,
          params,
        )
      : options.signature;
  return server.call('POST', path, {
    body: new URLSearchParams(params).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === null ? {} : { 'x-twilio-signature': signature }),
    },
  });
}

/** What a press of keys is: digits, or silence (the caller presses nothing). */
export const SILENCE = Symbol('silence');
export type Keys = string | typeof SILENCE;

/** One call from `from`: `start()` dials, `press()` answers the last reply as Twilio would. */
export class TwilioCall {
  readonly callSid = newCallSid();
  last: Heard | undefined;
  lastReply: Reply | undefined;

  constructor(
    private readonly server: TestServer,
    readonly from: string,
  ) {}

  private params(extra: Record<string, string> = {}) {
    return {
      CallSid: this.callSid,
      AccountSid: 'AC00000000000000000000000000000000',
      From: `+${this.from}`,
      To: '+8610658888',
      CallStatus: 'in-progress',
      Direction: 'inbound',
      ...extra,
    };
  }

  private async answer(reply: Reply): Promise<Heard> {
    if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.text}`);
    if (!/^text\/xml/.test(reply.headers.get('content-type') ?? ''))
      throw new Error(`not TwiML: ${reply.headers.get('content-type')}`);
    this.lastReply = reply;
    this.last = hear(reply.text);
    return this.last;
  }

  async start(): Promise<Heard> {
    return this.answer(await post(this.server, '/ivr/voice', this.params({ CallStatus: 'ringing' })));
  }

  /** The URL the keys go to, and its parameters, as Twilio would send them. */
  next(keys: Keys): { url: string; params: Record<string, string> } {
    const last = this.last;
    if (!last?.gather || !last.redirect) throw new Error('the call is not waiting for keys');
    if (keys === SILENCE) return { url: last.redirect, params: this.params() };
    return { url: last.gather.action, params: this.params({ Digits: keys }) };
  }

  async press(keys: Keys): Promise<Heard> {
    const { url, params } = this.next(keys);
    return this.answer(await post(this.server, url, params));
  }

  /** Posts exactly what was posted for `keys` at the step before (a Twilio retry). */
  async resend(url: string, params: Record<string, string>): Promise<Heard> {
    return this.answer(await post(this.server, url, params));
  }

  async hangUp(): Promise<Reply> {
    return post(this.server, '/ivr/status', this.params({ CallStatus: 'completed' }));
  }
}
