import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commands, declaredCommands, findCommand } from '../../../functions/api/registry';

const dir = join(__dirname, '../../../functions/api/commands');

describe('registry', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

  it.each(files)('registers %s exactly once, under its file name', async (file) => {
    // Prepare
    const name = file.replace(/\.ts$/, '');
    const source = readFileSync(join(__dirname, '../../../functions/api/registry.ts'), 'utf8');

    // Act
    const mod = (await import(join(dir, file))) as { default: unknown };

    // Assess
    expect(mod.default).toMatchObject({ name });
    expect([...commands.values()].filter((c) => c === mod.default)).toHaveLength(1);
    expect(source.match(new RegExp(`from '\\./commands/${name}'`, 'g'))).toHaveLength(1);
  });

  it('holds no command without a file', () => {
    expect(commands.size).toBe(files.length);
  });

  it('declares each command under its own API name (the console calls them by these keys)', () => {
    for (const [key, command] of Object.entries(declaredCommands)) expect(command.name).toBe(key);
  });

  it('finds a command by its API name in any case', () => {
    expect(findCommand('listApis')?.name).toBe('listApis');
    expect(findCommand('LISTAPIS')?.name).toBe('listApis');
    expect(findCommand('nope')).toBeUndefined();
  });
});
