import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { testEnv } from '../helpers/setup.js';

describe('npm start', () => {
  it('with no DATABASE_URL and no SMPP_URL – starts an embedded PostgreSQL, migrates, binds SMS to the phone simulator, serves /readyz 200 and /simulator, and stops cleanly on SIGTERM', async function () {
    this.timeout(90_000);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'fen-gateway-'));
    chmodSync(dataDir, 0o755); // as root, the embedded PostgreSQL runs as the postgres user
    // PORT=0: the system picks a free port (a random one of our choosing could be taken), and the gateway
    // logs the one it bound ("gateway listening", at info).
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      REDIS_PREFIX: `${testEnv().redisPrefix}_gw`,
      LOG_LEVEL: 'info',
    };
    delete env.DATABASE_URL;
    delete env.OPS_TOKEN;
    delete env.SMPP_URL;
    const gateway = spawn(process.execPath, ['--import', 'tsx', 'src/main/gateway.ts'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    gateway.stdout.on('data', (d) => (output += d));
    gateway.stderr.on('data', (d) => (output += d));
    const listening = new Promise<number>((resolve, reject) => {
      let pending = '';
      gateway.stdout.on('data', (d) => {
        pending += d;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const entry = line.startsWith('{"level":')
            ? (JSON.parse(line) as { msg?: string; port?: number })
            : {};
          if (entry.msg === 'gateway listening' && typeof entry.port === 'number') resolve(entry.port);
        }
      });
      gateway.once('exit', (code) =>
        reject(new Error(`the gateway exited (${code}) before listening:\n${output}`)),
      );
    });
    try {
      const port = await listening;
      expect(port).to.be.greaterThan(0);
      let ready: Response | null = null;
      for (let i = 0; i < 240 && !ready?.ok; i++) {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
        if (!ready?.ok) await new Promise((r) => setTimeout(r, 250));
      }
      expect(ready?.status, output).to.equal(200);
      // With SMPP_URL unset (and not in production) the SMS channel is bound to the phone simulator's SMSC.
      expect(await ready!.json()).to.deep.include({
        status: 'ready',
        checks: { postgres: true, redis: true, smpp: true },
      });
      const simulator = await fetch(`http://127.0.0.1:${port}/simulator`);
      expect(simulator.status).to.equal(401);
      expect(await simulator.text()).to.include('name="token"');
      expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).to.equal(true);
      const token = /generated for this run: (\S+)/.exec(output)?.[1];
      expect(token, output).to.be.a('string');
      const check = await fetch(`http://127.0.0.1:${port}/api/ledger/check`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(await check.json()).to.deep.include({ balanced: true, accounts: 4 });
      const exited = new Promise<number | null>((resolve) => gateway.once('exit', resolve));
      gateway.kill('SIGTERM');
      expect(await exited).to.equal(0);
      // PostgreSQL stopped with the gateway: its pid file is gone.
      expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).to.equal(false);
    } finally {
      gateway.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
