/** The operators' wall screen (`/ops`), its login and its live feed. */
export { type WallOptions, wallRoutes } from './wall.routes.js';
export { type WallSnapshot, wallSnapshot } from './wall.snapshot.js';
