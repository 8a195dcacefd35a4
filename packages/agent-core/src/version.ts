/** Replaced by the bundler with the app's package version; the fallback is what tests and `node src/...` report. */
declare const __OVERLAP_VERSION__: string | undefined;
export const VERSION: string = typeof __OVERLAP_VERSION__ === 'string' ? __OVERLAP_VERSION__ : '0.0.0-dev';
