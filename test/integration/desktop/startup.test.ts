import path from 'node:path';
import { desktopStartupSuite } from '../../helpers/desktop-startup-suite.js';

/** The built main.js in the dev layout (what `npm start` runs), started with the electron stand-in. */
desktopStartupSuite('dev layout', () => path.resolve(import.meta.dirname, '../../..'), false);
