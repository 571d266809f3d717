/**
 * The security headers of the operator-side pages that run a script of their own (the wall screen, the
 * phone simulator): scripts, styles, images and connections from this origin only, nothing inline, no
 * framing, forms posting here only. The WAP pages keep their own policy, which allows no script at all.
 */
import helmet from 'helmet';

export interface PagePolicyOptions {
  /** Send HSTS (the gateway is served over HTTPS). */
  secure: boolean;
  /** Also allow `data:` images (uPlot's legend markers, the wall's empty favicon). Default false. */
  dataImages?: boolean;
  /** Send no Referer at all (a page whose address may carry a token once). Default: helmet's. */
  noReferrer?: boolean;
}

export function pagePolicy(options: PagePolicyOptions) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        connectSrc: ["'self'"],
        imgSrc: options.dataImages ? ["'self'", 'data:'] : ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    strictTransportSecurity: options.secure,
    ...(options.noReferrer ? { referrerPolicy: { policy: 'no-referrer' as const } } : {}),
  });
}
