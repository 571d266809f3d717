/**
 * The reference of the SMS benchmarks: Kannel (Debian `kannel`), bearerbox + smsbox bound as an ESME to
 * the load SMSC (`smsc = smpp`, `transceiver-mode = true`, `store-type = file`), answering each MO with a
 * fixed ASCII text. Installs Kannel when it is missing, writes its configuration into a temporary
 * directory (own ports: never the package's 13000/13001/13013), runs the load in both modes and stops it.
 *
 * Also the child-process helpers the SMS benchmarks share: children die with this process (exit, Ctrl-C,
 * a failed benchmark), and a child's last output is kept to explain a failure.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { coresBetween, cpuByCommand, log, onInterrupt } from './lib.js';
import {
  benchLoad,
  type LoadMode,
  type LoadResult,
  type LoadSmsc,
  msisdnOf,
  startLoadSmsc,
} from './sms-load.js';

// ---------------------------------------------------------------------------------------------------
// Child processes

/** Every child started here: killed when this process exits, whatever the way. */
const liveChildren = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

export interface OwnedChild {
  name: string;
  child: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether it is still running. */
  running(): boolean;
  /** The last few kilobytes it printed (stdout and stderr). */
  tail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs: number): Promise<void>;
}

const TAIL_BYTES = 8_192;

/** Starts a child whose output goes to `logFile` (and a tail in memory), killed on exit or interrupt. */
export function spawnOwned(
  name: string,
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; logFile: string },
): OwnedChild {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  const file = createWriteStream(options.logFile);
  let tail = '';
  const keep = (chunk: Buffer) => {
    file.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let alive = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err) => {
      keep(Buffer.from(`\n[could not start ${command}: ${err.message}]\n`));
      alive = false;
      liveChildren.delete(child);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      alive = false;
      liveChildren.delete(child);
      resolve({ code, signal });
    });
  }).finally(() => file.end());
  const stop = async (graceMs: number) => {
    if (!alive) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const forget = onInterrupt(() => stop(2_000));
  void exited.then(forget);
  return { name, child, exited, running: () => alive, tail: () => tail, stop };
}

/** Rejects with the child's last output as soon as it exits (use in a race with a wait). */
export function failOnExit(owned: OwnedChild): Promise<never> {
  return owned.exited.then(({ code, signal }) => {
    throw new Error(
      `${owned.name} exited unexpectedly (${signal ?? `code ${code}`}); its last output:\n${owned.tail() || '(nothing)'}`,
    );
  });
}

/** A TCP port nothing listens on now (the kernel's choice on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The programs an SMS benchmark involves; every other process on the machine counts as `other`. */
const PROGRAMS = new Set(['load-smsc', 'gateway', 'bearerbox', 'smsbox', 'postgres', 'redis']);

/**
 * Runs `work` and says how many cores each program used meanwhile, busiest first; `rename` names
 * processes by pid (the bench process is the load SMSC, so `node` alone would not tell it from the gateway).
 */
export async function coresDuring<T>(
  rename: Record<number, string>,
  work: () => Promise<T>,
): Promise<{ result: T; cores: string }> {
  const named = async () => {
    const now = await cpuByCommand();
    const byPid: Record<string, string> = { [process.pid]: 'load-smsc', ...rename };
    for (const [pid, entry] of now) {
      entry.name = byPid[pid] ?? entry.name;
      if (!PROGRAMS.has(entry.name)) entry.name = 'other';
    }
    return now;
  };
  const before = await named();
  const started = performance.now();
  const result = await work();
  return { result, cores: coresBetween(before, await named(), (performance.now() - started) / 1000) };
}

// ---------------------------------------------------------------------------------------------------
// Installing Kannel

export function findExecutable(name: string): string | null {
  // bearerbox lives in /usr/sbin, which a non-root PATH may lack.
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      /* not here */
    }
  }
  return null;
}

export function aptGet(args: string[]): number {
  const r = spawnSync('apt-get', args, {
    stdio: ['ignore', 2, 2], // apt's output to stderr: stdout carries the results table
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 600_000,
  });
  return r.error ? -1 : (r.status ?? -1);
}

/** Processes by command name, from `/proc` (Linux). */
function processesNamed(names: readonly string[]): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (names.includes(readFileSync(`/proc/${pid}/comm`, 'utf8').trim())) found.push(Number(pid));
    } catch {
      /* ended meanwhile */
    }
  }
  return found;
}

/**
 * The Debian package ships `/etc/kannel/kannel.conf` (a bearerbox + wapbox set-up on 13000/13002 and
 * friends) and an init script that starts it after installing where services may start (here
 * `policy-rc.d` forbids it). Its ports are not ours, but a service nobody asked for must not stay up.
 */
function stopDebianService(): void {
  const started = processesNamed(['bearerbox', 'smsbox', 'wapbox', 'run_kannel_box']);
  if (!started.length) return;
  log(`kannel: the package started its own service (pids ${started.join(', ')}); stopping it`);
  const systemd = existsSync('/run/systemd/system');
  const r = systemd
    ? spawnSync('systemctl', ['stop', 'kannel'], { stdio: ['ignore', 2, 2] })
    : spawnSync('/etc/init.d/kannel', ['stop'], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0) log('kannel: could not stop the kannel service; stop it by hand: service kannel stop');
}

export interface KannelInstall {
  bearerbox: string;
  smsbox: string;
  version: string;
}

/** Kannel's binaries, installing the Debian package first when `bearerbox` is not found. */
export function ensureKannel(): KannelInstall {
  let bearerbox = findExecutable('bearerbox');
  if (!bearerbox) {
    log('kannel: bearerbox not found; installing Debian kannel: apt-get install -y kannel');
    let status = aptGet(['install', '-y', 'kannel']);
    if (status !== 0) {
      log('kannel: install failed; refreshing the package lists (apt-get update) and trying again');
      if (aptGet(['update']) === 0) status = aptGet(['install', '-y', 'kannel']);
    }
    if (status !== 0) {
      const who = process.getuid?.() === 0 ? '' : ' (as root: sudo)';
      throw new Error(
        `Kannel is needed as the SMS reference and could not be installed (apt-get exited ${status}); ` +
          `install it${who} with: apt-get install -y kannel`,
      );
    }
    stopDebianService();
    bearerbox = findExecutable('bearerbox');
  }
  const smsbox = findExecutable('smsbox');
  if (!bearerbox || !smsbox)
    throw new Error(
      'Kannel is installed but bearerbox or smsbox is not on PATH (looked in PATH and /usr/sbin)',
    );
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template
  const q = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'kannel'], { encoding: 'utf8' });
  const version = q.status === 0 && q.stdout ? q.stdout.trim() : 'unknown version';
  return { bearerbox, smsbox, version };
}

// ---------------------------------------------------------------------------------------------------
// The reference run

/**
 * How the reference answers an MO: `text` is Kannel's own fixed-text `sms-service` (the default: exactly
 * what spec/BENCH.md describes, and Kannel's fastest path); `get-url` fetches the same text from a tiny
 * local HTTP server (one HTTP round trip per MO, closer to running a command).
 */
export type KannelService = 'text' | 'get-url';

export interface KannelOptions {
  seconds: number;
  warmupSeconds: number;
  /** Default both, throughput first. */
  modes?: LoadMode[];
  /** Default `BENCH_KANNEL_SERVICE`, else `text`. */
  service?: KannelService;
  /** Kannel's SMPP window (`max-pending-submits`); default `BENCH_KANNEL_WINDOW`, else 50 (Kannel's own: 10). */
  window?: number;
}

/** A load run's figures and the cores each program used meanwhile. */
export type MeasuredLoad = LoadResult & { mode: LoadMode; cores: string };

export interface KannelReference {
  throughput?: MeasuredLoad;
  latency?: MeasuredLoad;
  service: KannelService;
  window: number;
  version: string;
  /** What was measured, for the result notes. */
  describe: string;
}

/** The fixed reply: plain ASCII (Kannel's `text =` cannot be UCS2), about as long as a balance reply. */
export const KANNEL_REPLY = 'Balance CNY 10000.00, available 10000.00. Reply MX for the last 5 transactions.';

function kannelConfig(o: {
  dir: string;
  adminPort: number;
  smsboxPort: number;
  sendsmsPort: number;
  smscPort: number;
  window: number;
  service: KannelService;
  getUrl: string;
}): string {
  const answer = o.service === 'text' ? `text = "${KANNEL_REPLY}"` : `get-url = "${o.getUrl}"`;
  return `# Written by bench/kannel.ts for one reference run.
group = core
admin-port = ${o.adminPort}
admin-password = bench
status-password = bench
admin-deny-ip = "*.*.*.*"
admin-allow-ip = "127.0.0.1"
smsbox-port = ${o.smsboxPort}
box-deny-ip = "*.*.*.*"
box-allow-ip = "127.0.0.1"
log-file = "${o.dir}/bearerbox.log"
log-level = 2
store-type = file
store-location = "${o.dir}/kannel.store"
dlr-storage = internal

group = smsc
smsc = smpp
smsc-id = load
host = 127.0.0.1
port = ${o.smscPort}
transceiver-mode = true
smsc-username = bench
smsc-password = bench
system-type = "VMA"
max-pending-submits = ${o.window}
reconnect-delay = 1
enquire-link-interval = 30

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = ${o.smsboxPort}
sendsms-port = ${o.sendsmsPort}
log-file = "${o.dir}/smsbox.log"
log-level = 2

group = sms-service
keyword = default
catch-all = true
max-messages = 1
${answer}
`;
}

/** The `get-url` service's answer: the fixed text, nothing else. */
async function startReplyServer(): Promise<{ server: HttpServer; url: string }> {
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(KANNEL_REPLY);
  });
  server.on('connection', (socket) => socket.setNoDelay(true));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/mo?from=%p&text=%a` };
}

const positive = (raw: string | undefined, fallback: number) => {
  const n = Number(raw);
  return raw && Number.isInteger(n) && n > 0 ? n : fallback;
};

/** The SMPP window both ESMEs get: `BENCH_KANNEL_WINDOW`, else 50 (Kannel's own default is 10). */
export const kannelWindow = () => positive(process.env.BENCH_KANNEL_WINDOW, 50);

/** Starts Kannel against a fresh load SMSC, measures the given modes, stops everything (even on failure). */
export async function kannelReference(opts: KannelOptions): Promise<KannelReference> {
  const modes = opts.modes ?? ['throughput', 'latency'];
  const service: KannelService =
    opts.service ?? (process.env.BENCH_KANNEL_SERVICE === 'get-url' ? 'get-url' : 'text');
  const window = opts.window ?? kannelWindow();
  const install = ensureKannel();
  const dir = mkdtempSync(join(tmpdir(), 'bench-kannel-'));
  const owned: OwnedChild[] = [];
  let smsc: LoadSmsc | null = null;
  let reply: HttpServer | null = null;
  let failed = true;
  try {
    const load = await startLoadSmsc();
    smsc = load;
    const replyServer = service === 'get-url' ? await startReplyServer() : null;
    reply = replyServer?.server ?? null;
    const conf = join(dir, 'kannel.conf');
    writeFileSync(
      conf,
      kannelConfig({
        dir,
        adminPort: await freePort(),
        smsboxPort: await freePort(),
        sendsmsPort: await freePort(),
        smscPort: load.port,
        window,
        service,
        getUrl: replyServer?.url ?? '',
      }),
    );
    // `-v 2`: warnings and worse on the console too (its default is debug, which dumps every PDU).
    const bearerbox = spawnOwned('bearerbox', install.bearerbox, ['-v', '2', conf], {
      cwd: dir,
      logFile: join(dir, 'bearerbox.out'),
    });
    owned.push(bearerbox);
    await Promise.race([load.waitForBind(30_000), failOnExit(bearerbox)]);
    const smsbox = spawnOwned('smsbox', install.smsbox, ['-v', '2', conf], {
      cwd: dir,
      logFile: join(dir, 'smsbox.out'),
    });
    owned.push(smsbox);
    const died = Promise.race([failOnExit(bearerbox), failOnExit(smsbox)]);
    died.catch(() => undefined); // only raced below; an exit during a run shows as an unbind there
    // The first MO waits in bearerbox until smsbox connects: its MT proves the whole path works.
    const probe = await Promise.race([load.probe(msisdnOf(0), 'YE', 30_000), died]);
    if (probe.reply !== KANNEL_REPLY)
      throw new Error(`kannel: unexpected reply to the first MO: ${probe.reply}`);
    log(
      `kannel ${install.version}: bound, first MO answered in ${probe.latencyMs.toFixed(1)} ms; ` +
        `service ${service}, window ${window}, config and logs in ${dir}`,
    );
    const result: KannelReference = {
      service,
      window,
      version: install.version,
      describe:
        `Kannel ${install.version} bearerbox+smsbox, store-type file, ` +
        (service === 'text'
          ? 'sms-service text = fixed ASCII reply'
          : 'sms-service get-url → local HTTP fixed ASCII reply') +
        `, max-pending-submits ${window}`,
    };
    for (const mode of modes) {
      const shape = benchLoad(mode, opts.seconds, opts.warmupSeconds);
      log(
        `kannel.${mode}: ${opts.warmupSeconds}+${opts.seconds} s, ${shape.outstanding} MOs outstanding` +
          (shape.openLoop ? ' (open loop: deliver_sm window)' : ''),
      );
      const { result: r, cores } = await coresDuring({}, () => Promise.race([load.run(shape), died]));
      log(`kannel.${mode}: ${JSON.stringify(r)}; machine cores: ${cores}`);
      if (!r.mtReceived) throw new Error(`kannel.${mode}: no MT came back in the measured window`);
      result[mode] = { ...r, mode, cores };
    }
    failed = false;
    return result;
  } finally {
    // smsbox first: bearerbox then has nobody to wait for.
    for (const child of owned.reverse()) await child.stop(5_000);
    await smsc?.close();
    reply?.closeAllConnections(); // smsbox's kept-alive connections would hold `close` open
    await new Promise<void>((resolve) => (reply ? reply.close(() => resolve()) : resolve()));
    if (failed) log(`kannel: the configuration and logs stay in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
