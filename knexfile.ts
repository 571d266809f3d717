/** For the knex CLI (`npx knex --knexfile knexfile.ts migrate:latest`); the gateway migrates itself at start. */
import { knexConfig } from './src/lib/db.js';

export default knexConfig(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/fen');
