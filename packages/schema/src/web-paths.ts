/**
 * The web app's pages, by path. The app routes with them, and the server
 * answers exactly these with the app's page: any other path that is not an
 * API route or a static file is a 404, not the app's HTML.
 */
const ID = "([0-9a-f-]{36})";
export const WEB_PATHS = {
  login: /^\/login\/?$/,
  signup: /^\/signup\/?$/,
  confirmSignup: /^\/confirm\/?$/,
  forgotPassword: /^\/forgot-password\/?$/,
  resetPassword: /^\/reset-password\/?$/,
  library: /^\/$/,
  account: /^\/account\/?$/,
  group: new RegExp(`^/groups/${ID}/?$`),
  moderation: new RegExp(`^/groups/${ID}/moderation/?$`),
  article: new RegExp(`^/articles/${ID}/?$`),
  dashboard: new RegExp(`^/articles/${ID}/dashboard/?$`),
  participation: new RegExp(`^/articles/${ID}/participation/?$`),
} as const;

export const isWebPath = (path: string) => Object.values(WEB_PATHS).some((pattern) => pattern.test(path));

/** An article's page, and one annotation on it as the reader opens it (the fragment is never sent to a server). */
export const articlePath = (articleId: string) => `/articles/${articleId}`;
export const annotationPath = (articleId: string, annotationId: string) => `${articlePath(articleId)}#annotation=${encodeURIComponent(annotationId)}`;

/**
 * The annotation a reader's fragment names: `#annotation=<id>`, as annotationPath writes it, or
 * `#annotation-<id>`, as exports wrote it before, a form still in reports and ClaimReview markup
 * published with them. Null when it names none.
 */
export function annotationInHash(hash: string): string | null {
  const fragment = hash.startsWith("#") ? hash.slice(1) : hash;
  if (!fragment.startsWith("annotation-")) return new URLSearchParams(fragment).get("annotation") || null;
  try {
    return decodeURIComponent(fragment.slice("annotation-".length)) || null;
  } catch {
    return null;
  }
}
