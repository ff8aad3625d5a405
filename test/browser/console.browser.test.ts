import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { seededPool } from '../../functions/bootstrap/seed';
import { seedDemoGuests } from '../../local/demo-guests';
import { catalogue, startTestStack, type TestStack } from '../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The web console in headless Chromium (Debian's `chromium`, driven by playwright-core) against the
 * whole local stack: each step asserts what a person sees on the page. `UPDATE_SCREENSHOTS=1`
 * rewrites the screenshots in docs/screenshots that the README shows.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.UPDATE_SCREENSHOTS ? join(__dirname, '../../docs/screenshots') : undefined;
const LONG = 40_000;
jest.setTimeout(120_000);

describe('the web console in a browser', () => {
  let env: TestStack;
  let browser: Browser;
  let page: Page;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  const problems: string[] = [];

  const shot = async (name: string) => {
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`) });
  };
  /** Wait until a person would see it. */
  const see = async (locator: Locator, timeout = LONG) => {
    try {
      await locator.first().waitFor({ state: 'visible', timeout });
    } catch (err) {
      // What the person would have seen instead, so a failure in CI says why.
      throw new Error(`${(err as Error).message}\nThe page showed:\n${await page.locator('body').innerText()}`);
    }
    return locator.first();
  };
  const menu = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
  const tab = (name: string) => page.getByRole('navigation', { name: 'Instance sections' }).getByRole('link', { name, exact: true });
  const heading = () => page.getByRole('heading', { level: 1 });
  const tray = () => page.getByRole('complementary', { name: 'Jobs' });
  const job = (label: string) => tray().locator('section.job', { has: page.getByText(label, { exact: true }) });
  const stateOnPage = (state: string) => page.locator('h1 .badge', { hasText: new RegExp(`^${state}$`) });

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 2 });
    cat = await catalogue(env.admin);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // A console error or an uncaught exception anywhere fails the suite (checked last). Chromium logs
    // every non-2xx answer as an error; the API's own error answers (a wrong password's 531) are shown
    // to the user and are not faults.
    page.on('console', (m) => m.type() === 'error' && !(m.text().startsWith('Failed to load resource') && m.location().url.endsWith('/client/api')) && problems.push(`console: ${m.text()} at ${m.location().url}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.stop();
  });

  it('refuses a wrong password, then logs in and shows the instances list', async () => {
    await page.goto(env.stack.consoleUrl);
    await page.getByLabel('Username', { exact: true }).fill('admin');
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    expect(await (await see(page.getByRole('alert'))).textContent()).toMatch(/^Failed to authenticate user admin in domain .*; please provide valid credentials \(531\)$/);

    await page.getByLabel('Password', { exact: true }).fill('password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await see(page.getByRole('table', { name: 'Instances' }));
    expect(await heading().textContent()).toBe('Instances');
    expect(await page.getByRole('banner').textContent()).toContain('admin');
    await shot('login-instances');
  });

  it('deploys a VM through the wizard and watches its job reach Running', async () => {
    await page.getByRole('link', { name: 'Deploy instance' }).click();
    const step = async (name: string) => see(page.getByRole('form', { name: new RegExp(`: ${name}$`) }));
    const next = () => page.getByRole('button', { name: 'Next' }).click();

    await step('Zone');
    await page.getByLabel('Zone', { exact: true }).selectOption(cat.zoneid);
    await next();
    await step('Template');
    await page.getByRole('combobox', { name: 'Template', exact: true }).selectOption(cat.templateid);
    await next();
    await step('Offering');
    const small = cat.offerings.find((o) => o.name === 'Small Instance')!;
    await page.getByLabel('Service offering', { exact: true }).selectOption(small.id);
    await shot('deploy-wizard');
    await next();
    for (const name of ['Disk', 'Network', 'Access', 'Affinity']) {
      await step(name);
      await next();
    }
    await step('Review');
    await page.getByLabel('Name', { exact: true }).fill('web-console-1');
    expect(await page.getByRole('definition').allTextContents()).toContain('Small Instance (1 × 500 MHz, 512 MiB)');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();

    // The VM's page, its job in the tray with the workflow's steps as they complete, then Running.
    await see(page.getByRole('heading', { name: /web-console-1/ }));
    await see(job('Deploy web-console-1').getByText('Succeeded'));
    expect(await job('Deploy web-console-1').locator('.step.done .step-name').allTextContents()).toEqual(['ChooseHost', 'ReserveCapacity', 'AllocateVolumes', 'StartOnHost', 'RecordJobSuccess']);
    await see(stateOnPage('Running'));
    const vm = ((await env.admin.ok('listVirtualMachines', { name: 'web-console-1' })).virtualmachine as Obj[])[0]!;
    expect(vm.state).toBe('Running');
    expect(await page.getByRole('definition').allTextContents()).toContain(vm.nic[0].ipaddress);
    await shot('instance');
  });

  it('stops the VM (with the force option offered) and starts it again', async () => {
    await page.getByRole('group', { name: 'Actions' }).getByRole('button', { name: 'Stop' }).click();
    const dialog = await see(page.getByRole('dialog', { name: /^Stop web-console-1/ }));
    expect(await dialog.getByRole('checkbox', { name: /Force stop/ }).isChecked()).toBe(false);
    await dialog.getByRole('button', { name: 'Stop' }).click();
    await see(stateOnPage('Stopped'));
    await see(job('Stop web-console-1').getByText('Succeeded'));

    await page.getByRole('group', { name: 'Actions' }).getByRole('button', { name: 'Start' }).click();
    await see(stateOnPage('Running'));
    await see(job('Start web-console-1').getByText('Succeeded'));
    expect(((await env.admin.ok('listVirtualMachines', { name: 'web-console-1' })).virtualmachine as Obj[])[0]!.state).toBe('Running');
  });

  it('takes a VM snapshot and reverts to it', async () => {
    await tab('Snapshots').click();
    await page.getByLabel('Snapshot name', { exact: true }).fill('before-upgrade');
    await page.getByRole('button', { name: 'Take VM Snapshot' }).click();
    const row = page.getByRole('table', { name: 'VM snapshots' }).getByRole('row', { name: /before-upgrade/ });
    await see(row.getByText('Ready', { exact: true }), 45_000);
    await shot('snapshots');

    await row.getByRole('button', { name: 'Revert' }).click();
    await see(job('Revert web-console-1 to before-upgrade').getByText('Succeeded'));
    await see(row.getByRole('cell', { name: 'yes' })); // now the current snapshot
    const snaps = (await env.admin.ok('listVMSnapshot', { name: 'before-upgrade' })).vmSnapshot as Obj[];
    expect(snaps[0]).toMatchObject({ state: 'Ready', current: true });
  });

  it("shows a failed deploy's failing step and the placement's reason", async () => {
    const huge = (await env.admin.ok('createServiceOffering', { name: 'Too Big', displaytext: 'Too Big', cpunumber: 1, cpuspeed: 500, memory: 4_000_000 })).serviceoffering as Obj;
    await menu('Instances').click();
    await page.getByRole('link', { name: 'Deploy instance' }).click();
    await page.getByLabel('Zone', { exact: true }).selectOption(cat.zoneid);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('combobox', { name: 'Template', exact: true }).selectOption(cat.templateid);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Service offering', { exact: true }).selectOption(huge.id);
    for (let i = 0; i < 5; i++) await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Name', { exact: true }).fill('too-big-1');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();

    const failed = job('Deploy too-big-1');
    await see(failed.getByText('Failed', { exact: true }));
    expect(await failed.locator('.failed-step').textContent()).toBe('ChooseHost');
    expect(await failed.locator('.failure-text').textContent()).toMatch(/insufficient|capacity|no host|memory/i);
    const vm = ((await env.admin.ok('listVirtualMachines', { name: 'too-big-1' })).virtualmachine as Obj[])[0]!;
    const apiJob = ((await env.admin.ok('listAsyncJobs', {})).asyncjobs as Obj[]).find((j) => j.jobinstanceid === vm.id && j.cmd?.includes('Deploy'))!;
    expect(apiJob).toMatchObject({ jobstatus: 2, failedstep: 'ChooseHost' });
    expect(await failed.locator('.failure-text').textContent()).toBe((apiJob.jobresult as Obj).errortext);
    await shot('failed-deploy');
  });

  it('puts a host in maintenance as admin, and takes it out again', async () => {
    await menu('Hosts').click();
    const hosts = page.getByRole('table', { name: 'Hosts' });
    const row = hosts.getByRole('row', { name: /simhost-2/ });
    await see(row.getByRole('button', { name: 'Maintenance' }));
    await shot('hosts');
    await row.getByRole('button', { name: 'Maintenance' }).click();
    await see(job('Maintenance on simhost-2').getByText('Succeeded'));
    await see(row.getByText('Maintenance', { exact: true }));
    const host = ((await env.admin.ok('listHosts', { name: 'simhost-2' })).host as Obj[])[0]!;
    expect(host.resourcestate).toBe('Maintenance');

    await row.getByRole('button', { name: 'Cancel maintenance' }).click();
    await see(row.getByText('Enabled', { exact: true }));
    expect(((await env.admin.ok('listHosts', { name: 'simhost-2' })).host as Obj[])[0]!.resourcestate).toBe('Enabled');
  });

  it('opens every page of the menu with its content and no error', async () => {
    const links = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
    const names = await links.allTextContents();
    expect(names).toEqual(expect.arrayContaining(['Instances', 'Volumes', 'Hosts', 'Templates', 'Settings', 'Unmanaged instances', 'Capacity']));
    for (const name of names) {
      await menu(name).click();
      await see(heading().filter({ hasText: name === 'Settings' ? 'Settings' : /./ }));
      await page.locator('main table, main .filters').first().waitFor({ timeout: LONG });
      await page.locator('main').getByText('Loading…').first().waitFor({ state: 'hidden', timeout: LONG });
      expect({ page: name, alerts: await page.locator('main [role=alert]').allTextContents() }).toEqual({ page: name, alerts: [] });
    }
  });

  it('creates a data volume and attaches it to a VM', async () => {
    const offering = (await env.admin.ok('createDiskOffering', { name: 'Data 5 GiB', displaytext: 'Data 5 GiB', disksize: 5 })).diskoffering as Obj;
    // A VM without VM snapshots (web-console-1 has one, and CloudStack attaches no volume to such a VM).
    const small = cat.offerings.find((o) => o.name === 'Small Instance')!;
    const deployed = await env.admin.ok('deployVirtualMachine', { zoneid: cat.zoneid, templateid: cat.templateid, serviceofferingid: small.id, name: 'db-1', startvm: false });
    await env.admin.waitForJob(deployed.jobid as string);
    await menu('Volumes').click();
    await page.getByRole('button', { name: 'Create volume' }).click();
    const dialog = await see(page.getByRole('dialog', { name: 'Create a data volume' }));
    await dialog.getByLabel('Name', { exact: true }).fill('data-1');
    await dialog.getByLabel('Zone', { exact: true }).selectOption(cat.zoneid);
    await dialog.getByLabel('Disk offering', { exact: true }).selectOption(offering.id);
    await dialog.getByRole('button', { name: 'Create' }).click();
    const row = page.getByRole('table', { name: 'Volumes' }).getByRole('row', { name: /data-1/ });
    await see(row.getByRole('button', { name: 'Attach' }));
    await row.getByRole('button', { name: 'Attach' }).click();
    const attach = await see(page.getByRole('dialog', { name: 'Attach data-1' }));
    const vm = ((await env.admin.ok('listVirtualMachines', { name: 'db-1' })).virtualmachine as Obj[])[0]!;
    await attach.getByLabel('Instance', { exact: true }).selectOption(vm.id);
    await attach.getByRole('button', { name: 'Apply' }).click();
    await see(row.getByRole('cell', { name: 'db-1' }));
    const volume = ((await env.admin.ok('listVolumes', { name: 'data-1' })).volume as Obj[])[0]!;
    expect(volume).toMatchObject({ virtualmachineid: vm.id, type: 'DATADISK' });
  });

  it("adds a setting to a stopped VM's details, keeping the others", async () => {
    const vm = ((await env.admin.ok('listVirtualMachines', { name: 'db-1' })).virtualmachine as Obj[])[0]!;
    await page.goto(`${env.stack.consoleUrl}#/instances/${vm.id}?tab=settings`);
    await page.getByRole('button', { name: 'Add or change a setting' }).click();
    const dialog = await see(page.getByRole('dialog', { name: 'A setting of db-1' }));
    await dialog.getByLabel('Name', { exact: true }).fill('keyboard');
    await dialog.getByLabel('Value', { exact: true }).fill('us');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await see(page.getByRole('table', { name: 'Settings' }).getByRole('row', { name: /keyboard\s+us/ }));
    const details = (((await env.admin.ok('listVirtualMachines', { id: vm.id })).virtualmachine as Obj[])[0]!.details ?? {}) as Record<string, string>;
    expect(details).toEqual({ ...(vm.details ?? {}), keyboard: 'us' });
  });

  it("changes a zone's setting, which the API then answers for that zone", async () => {
    await menu('Settings').click();
    await page.getByLabel('Scope', { exact: true }).selectOption('zone');
    await page.getByLabel('Zone', { exact: true }).selectOption(cat.zoneid);
    await page.getByLabel('Search settings', { exact: true }).fill('enable.dynamic.scale.vm');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: 'Edit enable.dynamic.scale.vm' }).click();
    await page.getByLabel('Value of enable.dynamic.scale.vm', { exact: true }).fill('true');
    await page.getByRole('button', { name: 'Save' }).click();
    // Saved: the row is read again and shows the zone's value, with its Edit button back.
    await see(page.getByRole('row', { name: /enable\.dynamic\.scale\.vm/ }).getByRole('cell').filter({ hasText: /^true\s*Edit$/ }));
    const zoned = ((await env.admin.ok('listConfigurations', { name: 'enable.dynamic.scale.vm', zoneid: cat.zoneid })).configuration as Obj[])[0]!;
    expect(String(zoned.value)).toBe('true');
    const global = ((await env.admin.ok('listConfigurations', { name: 'enable.dynamic.scale.vm' })).configuration as Obj[])[0]!;
    expect(String(global.value)).toBe('false');
    await shot('zone-settings');
  });

  it('imports an unmanaged instance of a cluster', async () => {
    const host = env.stack.hosts[0]!;
    const pool = seededPool(env.stack.seed.cluster.id, 'Simulator');
    seedDemoGuests(host.driver, { ...pool, type: 'SharedMountPoint', host: 'localhost' });
    // The host's agent reports its guests with its next heartbeat.
    for (let i = 0; i < 100; i++) {
      const listed = ((await env.admin.ok('listUnmanagedInstances', { clusterid: env.stack.seed.cluster.id })).unmanagedinstance as Obj[] | undefined) ?? [];
      if (listed.some((g) => g.name === 'legacy-web')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // A running guest is imported with an offering of its own size (2 CPUs at 1 GHz, 2 GiB).
    const fits = (await env.admin.ok('createServiceOffering', { name: 'Legacy Web', displaytext: 'Legacy Web', cpunumber: 2, cpuspeed: 1000, memory: 2048 })).serviceoffering as Obj;
    await menu('Unmanaged instances').click();
    await page.getByLabel('Cluster', { exact: true }).selectOption(env.stack.seed.cluster.id);
    const row = page.getByRole('table', { name: 'Unmanaged instances' }).getByRole('row', { name: /legacy-web/ });
    await row.getByRole('button', { name: 'Import' }).click();
    const dialog = await see(page.getByRole('dialog', { name: 'Import legacy-web' }));
    await dialog.getByLabel('Service offering', { exact: true }).selectOption(fits.id);
    await dialog.getByLabel('Template', { exact: true }).selectOption(cat.templateid);
    await dialog.getByRole('button', { name: 'Import' }).click();
    await see(job('Import legacy-web').getByText(/Succeeded|Failed/));
    expect(await job('Import legacy-web').locator('.job-status').textContent()).toBe('Succeeded');
    await see(page.getByRole('cell', { name: 'No unmanaged instances on this cluster.' }).or(page.getByRole('row', { name: /legacy-db/ })));
    expect(await page.getByRole('row', { name: /legacy-web/ }).count()).toBe(0);
    const imported = (await env.admin.ok('listVirtualMachines', { name: 'legacy-web' })).virtualmachine as Obj[];
    expect(imported).toHaveLength(1);
  });

  it('reads on a phone: the menu folds away and the list stays usable', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Menu' }).click();
    await menu('Instances').click();
    await see(page.getByRole('table', { name: 'Instances' }).getByRole('link', { name: 'web-console-1' }));
    expect(await page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(false);
    // Nothing wider than the screen: no sideways scrolling to reach a column or a button.
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await shot('phone-instances');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('logs out: the session ends on the server and the login form is back', async () => {
    const key = (await page.evaluate("JSON.parse(sessionStorage.getItem('stratus.session') ?? '{}').sessionkey")) as string;
    await page.getByRole('button', { name: 'Log out' }).click();
    await see(page.getByRole('form', { name: 'Log in' }));
    await page.reload();
    await see(page.getByRole('form', { name: 'Log in' }));
    // The old key no longer authorises a request.
    const res = await fetch(`${env.stack.apiUrl}?command=listZones&response=json&sessionkey=${encodeURIComponent(key!)}`);
    expect(res.status).toBe(401);
  });

  it('logs in with the keyboard alone', async () => {
    await page.keyboard.type('admin'); // the username field has the focus
    await page.keyboard.press('Tab');
    await page.keyboard.type('password');
    await page.keyboard.press('Enter');
    await see(page.getByRole('table', { name: 'Instances' }));
    // The first Tab reaches the skip link, and Enter moves the focus to the page's content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement?.id')).toBe('main');
    expect(await heading().textContent()).toBe('Instances');
  });

  it('logged no console error and threw nothing on any page', () => {
    expect(problems).toEqual([]);
  });
});
