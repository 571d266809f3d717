/** `npm run migrate`: creates or updates the schema and exits (the gateway also does this at start). */
import { loadConfig } from '../config/index.js';
import { createDb, ensureDatabase, migrate } from '../lib/index.js';

const config = loadConfig();
const database = await ensureDatabase({
  databaseUrl: config.databaseUrl,
  dataDir: config.dataDir,
  log: console.log,
});
const db = createDb(database.url, 2);
await migrate(db);
const [, applied] = await db.migrate.list();
console.log(`schema up to date; pending migrations: ${applied.length}`);
await db.destroy();
await database.stop();
