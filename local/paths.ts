import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The checkout's root: the nearest folder above this module that holds workflows/. Found by walking
 * up, because this module runs from local/ (tests) and from a bundle in .build/ (npm start).
 */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'workflows')) || !existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`No project root with workflows/ above ${__dirname}`);
    dir = up;
  }
  return dir;
}
