import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { documentClient } from '../functions/store/client';
import { CloudStackClient } from '../local/cloudstack-client';
import { projectRoot } from '../local/paths';
import { LOCAL_ADMIN_PASSWORD, startLocalStack } from '../local/stack';
import { Grower, prepare } from './inventory';
import { rounded, runFacts, summarize, timed, writeResult } from './stats';

/**
 * `npm run bench:console [-- --vms 5000 --runs 10]`: how fast the web console is in headless
 * Chromium on a cloud of `vms` VMs, side by side with the API calls it makes, in one run.
 *
 * - first screen: a fresh tab opens the console, logs in as admin and shows the instances list
 *   (the page load, `login` and `listVirtualMachines` page 1);
 * - next page: the list's page 2 (one `listVirtualMachines` with `page=2`);
 * - a VM's page: from the list to its overview (one `listVirtualMachines id=`);
 * beside: `login` and `listVirtualMachines` page 1 (root admin, listall) and by id through signed
 * HTTP, the floors the console cannot beat. Writes bench/results/console.json. Not part of the tests.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { vms: { type: 'string', default: '5000' }, runs: { type: 'string', default: '10' } } });
  const [vms, runs] = [Number(values.vms), Number(values.runs)];
  if (!Number.isInteger(vms) || vms < 1 || !Number.isInteger(runs) || runs < 1) throw new Error('--vms and --runs: positive integers');
  const log = (msg: string) => console.error(`[bench:console] ${msg}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-console-bench-'));
  const stack = await startLocalStack({ port: 0, inMemory: true, dataDir, simHosts: 2, quiet: true, scheduler: false, logger: { info: () => undefined, warn: () => undefined, error: (m) => console.error(m) } });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const admin = new CloudStackClient(stack.apiUrl, stack.credentials.apiKey, stack.credentials.secretKey);
    log(`growing the cloud to ${vms} VMs`);
    const world = await prepare(stack, admin);
    await new Grower(documentClient(), 'stratus', world).growTo({ vms, hosts: Math.max(1, Math.round(vms / 100)), events: vms }, log);
    const listed = (await admin.ok('listVirtualMachines', { listall: true, page: 1, pagesize: 20 })) as { count: number; virtualmachine: Array<{ id: string; name: string }> };
    if (listed.count < vms) throw new Error(`the API lists ${listed.count} VMs, fewer than the ${vms} grown`);
    const someVm = listed.virtualmachine[0]!;

    const samples: Record<string, number[]> = { firstScreen: [], nextPage: [], vmPage: [], 'api.login': [], 'api.listVirtualMachines.page1': [], 'api.listVirtualMachines.byId': [] };
    log(`${runs} runs of each`);
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const first = await timed(async () => {
        await page.goto(stack.consoleUrl);
        await page.getByLabel('Username', { exact: true }).fill('admin');
        await page.getByLabel('Password', { exact: true }).fill(LOCAL_ADMIN_PASSWORD);
        await page.getByRole('button', { name: 'Log in' }).click();
        await page.getByRole('table', { name: 'Instances' }).getByRole('row').nth(20).waitFor(); // header + 20 rows
      });
      samples.firstScreen!.push(first.ms);
      // Page 2 is shown when page 1's first VM has left the table (the pager's text changes at once).
      const table = page.getByRole('table', { name: 'Instances' });
      const firstOfPage1 = (await table.getByRole('link').first().textContent()) ?? '';
      const next = await timed(async () => {
        await page.getByRole('button', { name: 'Next ›' }).click();
        await table.getByRole('link', { name: firstOfPage1, exact: true }).waitFor({ state: 'detached' });
        await table.getByRole('row').nth(20).waitFor();
      });
      samples.nextPage!.push(next.ms);
      const link = table.getByRole('link').first();
      const name = (await link.textContent()) ?? '';
      const vmPage = await timed(async () => {
        await link.click();
        await page.getByRole('heading', { level: 1, name: new RegExp(name) }).waitFor({ timeout: 10_000 }).catch(async (err: Error) => {
          throw new Error(`${err.message}\nThe page showed: ${await page.locator('main').innerText()}`);
        });
        await page.getByText('IP addresses').waitFor();
      });
      samples.vmPage!.push(vmPage.ms);
      await context.close();

      samples['api.login']!.push((await timed(() => fetch(stack.apiUrl, { method: 'POST', body: new URLSearchParams({ command: 'login', username: 'admin', password: LOCAL_ADMIN_PASSWORD, domain: '/', response: 'json' }) }).then((r) => r.text()))).ms);
      samples['api.listVirtualMachines.page1']!.push((await timed(() => admin.ok('listVirtualMachines', { listall: true, page: 1, pagesize: 20 }))).ms);
      samples['api.listVirtualMachines.byId']!.push((await timed(() => admin.ok('listVirtualMachines', { id: someVm.id }))).ms);
    }
    const results = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, rounded(summarize(v))]));
    writeResult(projectRoot(), 'console', { ...runFacts(projectRoot()), parameters: { vms, runs, pageSize: 20 }, notes: ['One machine: DynamoDB Local, the local stack and headless Chromium share 2 cores.', 'firstScreen includes the page load, login and the first page of instances; the api.* rows are the same calls made directly, in the same run.'], ms: results });
    console.log(`Console on ${vms} VMs, ${runs} runs (ms)        p50      p99`);
    for (const [k, v] of Object.entries(results)) console.log(`  ${k.padEnd(34)} ${String(v.p50).padStart(7)}  ${String(v.p99).padStart(7)}`);
  } finally {
    await browser.close();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench:console failed: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
