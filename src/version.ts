import { readFileSync } from 'node:fs';

/** Read at run time: works from src/ (tests) and dist/ (the package) alike. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;
