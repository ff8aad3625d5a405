import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The web console calls commands by name with their declared parameters (console/src/api.ts types
 * them from functions/api/registry.ts). A command renamed or removed, or a parameter dropped, must
 * fail here rather than in a browser: the console is type-checked against the declarations.
 */
describe('the web console', () => {
  it('type-checks against the command declarations', () => {
    const root = join(__dirname, '../../..');
    const run = () => execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', join(root, 'console')], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    let output = '';
    try {
      output = run();
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(output).toBe('');
  }, 120_000);
});
