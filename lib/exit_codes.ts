/** @module Named exit statuses shared by the arbiter and its workers (gunicorn's numbers). */

/** A worker could not boot (bad fds, bad settings): the arbiter halts instead of respawning. */
export const WORKER_BOOT_ERROR = 3;
/** The app could not be loaded: the arbiter halts instead of respawning. */
export const APP_LOAD_ERROR = 4;
/** A usage error on the command line or in the config (same as parseArgs-style CLIs). */
export const USAGE_ERROR = 2;
