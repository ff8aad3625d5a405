import { useState } from 'preact/hooks';
import { call, isAdmin, list, type Obj } from '../api';
import { ErrorNote, Field, Loading, Table, useAction, useLoad } from '../ui';

/** SSH key pairs: create one (its private key is shown once), register a public key, delete. */
export function KeyPairs() {
  const keys = useLoad(() => list('listSSHKeyPairs', { listall: true }), []);
  const act = useAction();
  const [name, setName] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const [created, setCreated] = useState<Obj>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const answer = publicKey.trim() ? await act.run(`Register ${name}`, () => call('registerSSHKeyPair', { name, publickey: publicKey.trim() })) : await act.run(`Create ${name}`, () => call('createSSHKeyPair', { name }));
    if (!answer) return;
    setCreated(publicKey.trim() ? undefined : (answer.keypair as Obj));
    setName('');
    setPublicKey('');
  };
  return (
    <section>
      <header class="page-head">
        <h1>SSH key pairs</h1>
      </header>
      <form class="card" onSubmit={submit} aria-label="New key pair">
        <Field label="Name">
          <input name="keypairname" required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label="Public key" hint="Paste one to register it; leave empty to have Stratus make a key pair">
          <textarea name="publickey" rows={3} value={publicKey} onInput={(e) => setPublicKey((e.target as HTMLTextAreaElement).value)} />
        </Field>
        <button type="submit" class="primary" disabled={act.busy}>
          {publicKey.trim() ? 'Register' : 'Create'}
        </button>
      </form>
      <ErrorNote text={act.error} />
      {created?.privatekey && (
        <div class="card" role="status">
          <p>
            The private key of <strong>{created.name}</strong>. It is shown only now: save it.
          </p>
          <pre class="token">{created.privatekey}</pre>
        </div>
      )}
      <Loading loaded={keys} />
      <Table
        label="SSH key pairs"
        rows={(keys.data?.items ?? []).map((k): Obj => ({ ...k, id: k.id ?? k.name }))}
        empty="No key pairs."
        columns={[
          { title: 'Name', cell: (k) => k.name },
          { title: 'Fingerprint', cell: (k) => <code>{k.fingerprint}</code> },
          { title: 'Account', cell: (k) => k.account, wide: true },
          {
            title: '',
            cell: (k) => (
              <button type="button" class="danger" disabled={act.busy} onClick={() => act.run(`Delete ${k.name}`, () => call('deleteSSHKeyPair', { name: k.name, ...(isAdmin() ? { account: k.account, domainid: k.domainid } : {}) }))}>
                Delete
              </button>
            ),
          },
        ]}
      />
    </section>
  );
}
