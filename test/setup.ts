import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

// Everything a test runs — in process or spawned — keeps its data folder and log in a temp
// folder, never in the user's home.
const dataFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-data-'));
process.env.GATEHOUSE_DATA = dataFolder;
delete process.env.GATEHOUSE_LOG_FILE;
afterAll(() => fs.rmSync(dataFolder, { recursive: true, force: true }));
