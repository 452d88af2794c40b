/** The CLI's format names, apart from the code that reads and writes them, so `--help` loads none of it. */
export const IMPORT_FORMATS = ['vamp', 'aileron'] as const;
export const COMPARE_FORMATS = ['text', 'json', 'junit'] as const;
