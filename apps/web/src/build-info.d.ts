/** Set by vite.config.ts at build time (`git rev-parse HEAD`); undefined outside a Vite build. */
declare const __EXOLAB_COMMIT__: string | null;
/** Whether tracked files differed from that commit when the page was built. */
declare const __EXOLAB_DIRTY__: boolean | null;
