/** The WAP channel's door: the pages outside any session (the terms page the openings point to). */
export { termsRoutes } from './terms.routes.js';
