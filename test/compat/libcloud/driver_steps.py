"""Drive Stratus with Apache Libcloud's CloudStack driver, one step per run, and print the result as JSON.

Run with the distribution's Python (/usr/bin/python3, Debian's python3-libcloud):
    STRATUS_API_URL=http://127.0.0.1:PORT/client/api STRATUS_API_KEY=... STRATUS_SECRET_KEY=... \
        /usr/bin/python3 driver_steps.py <step> [args]
Steps: list_locations, list_sizes, list_images, create_node NAME [start|nostart], list_nodes, wrong_secret,
change_size NAME SIZE (ex_change_node_size: scaleVirtualMachine), lifecycle NAME (stop, start, reboot,
destroy, recover, destroy with expunge; what libcloud saw at each), volumes NAME (create_volume,
attach_volume, list_volumes, detach_volume, destroy_volume), create_node_with_disk NAME OFFERING
(create_node with a disk offering, then its volumes), images NAME URL (ex_register_iso, ex_restore of the
node, list_images), key_pairs NAME PUBLIC_KEY (the key pair calls, then create_node with ex_keyname and ex_userdata).
The jest test (driver.compat.test.ts) asserts on the JSON; a missing libcloud is an ImportError and exit 1.
"""
import json
import os
import sys

from libcloud.common.types import InvalidCredsError
from libcloud.compute.providers import get_driver
from libcloud.compute.types import Provider


def driver(secret=None):
    cls = get_driver(Provider.CLOUDSTACK)
    # secure=False: libcloud assumes TLS even for an http:// URL otherwise.
    return cls(os.environ['STRATUS_API_KEY'], secret or os.environ['STRATUS_SECRET_KEY'],
               url=os.environ['STRATUS_API_URL'], secure=False)


def node_json(node):
    return {
        'id': node.id,
        'name': node.name,
        'state': str(node.state),
        'private_ips': list(node.private_ips),
        'public_ips': list(node.public_ips),
        'extra': {k: v for k, v in node.extra.items() if isinstance(v, (str, int, float, bool, type(None)))},
    }


def list_locations(_args):
    return [{'id': loc.id, 'name': loc.name, 'country': loc.country} for loc in driver().list_locations()]


def list_sizes(_args):
    return [{'id': s.id, 'name': s.name, 'ram': s.ram, 'extra': s.extra} for s in driver().list_sizes()]


def list_images(_args):
    return [{'id': i.id, 'name': i.name, 'extra': i.extra} for i in driver().list_images()]


def create_node(args):
    name, mode = args[0], args[1]
    d = driver()
    size = next(s for s in d.list_sizes() if s.name == 'Small Instance')
    image = d.list_images()[0]
    location = d.list_locations()[0]
    kwargs = {'ex_start_vm': True} if mode == 'start' else {}
    return node_json(d.create_node(name=name, size=size, image=image, location=location, **kwargs))


def list_nodes(_args):
    return [node_json(n) for n in driver().list_nodes()]


def wrong_secret(_args):
    try:
        driver(secret='not-the-secret').list_locations()
    except InvalidCredsError as e:
        return {'raised': type(e).__name__, 'message': str(e)}
    return {'raised': None}


def lifecycle(args):
    d = driver()
    node = next(n for n in d.list_nodes() if n.name == args[0])
    seen = {'stop': d.ex_stop(node), 'after_stop': state_of(d, node.id), 'start': d.ex_start(node), 'after_start': state_of(d, node.id)}
    seen['reboot'] = d.reboot_node(node)
    seen['after_reboot'] = state_of(d, node.id)
    seen['destroy'] = d.destroy_node(node)
    seen['after_destroy'] = state_of(d, node.id)
    # libcloud has no recover call: a user issues the command through the driver's own signed connection.
    recovered = d._sync_request(command='recoverVirtualMachine', params={'id': node.id}, method='GET')
    seen['recover'] = recovered['virtualmachine']['state']
    seen['after_recover'] = state_of(d, node.id)
    seen['expunge'] = d.destroy_node(node, ex_expunge=True)
    seen['after_expunge'] = state_of(d, node.id)
    return seen


def change_size(args):
    d = driver()
    node = next(n for n in d.list_nodes() if n.name == args[0])
    size = next(s for s in d.list_sizes() if s.name == args[1])
    offering = d.ex_change_node_size(node, size)
    after = next(n for n in d.list_nodes() if n.id == node.id)
    return {'returned': offering, 'size_id': size.id, 'state': str(after.state), 'memory': after.extra.get('memory') if 'memory' in after.extra else None}


def volume_json(v):
    return {'id': v.id, 'name': v.name, 'size': v.size, 'state': str(v.state), 'type': v.extra.get('volume_type'), 'device_id': v.extra.get('device_id'), 'instance_id': v.extra.get('instance_id')}


def volumes(args):
    d = driver()
    node = next(n for n in d.list_nodes() if n.name == args[0])
    offerings = [{'name': o.name, 'size': o.size, 'customizable': o.customizable} for o in d.ex_list_disk_offerings()]
    volume = d.create_volume(size=4, name='lc-data')
    seen = {'offerings': offerings, 'created': volume_json(volume), 'attach': d.attach_volume(node, volume)}
    seen['of_node'] = [volume_json(v) for v in d.list_volumes(node=node)]
    seen['detach'] = d.detach_volume(volume)
    seen['after_detach'] = next(volume_json(v) for v in d.list_volumes() if v.id == volume.id)
    seen['destroy'] = d.destroy_volume(volume)
    return seen


def create_node_with_disk(args):
    d = driver()
    size = next(s for s in d.list_sizes() if s.name == 'Small Instance')
    offering = next(o for o in d.ex_list_disk_offerings() if o.name == args[1])
    node = d.create_node(name=args[0], size=size, image=d.list_images()[0], location=d.list_locations()[0], diskoffering=offering, ex_start_vm=True)
    return {'node': node_json(node), 'volumes': [volume_json(v) for v in d.list_volumes(node=node)]}


def images(args):
    d = driver()
    node = next(n for n in d.list_nodes() if n.name == args[0])
    registered = d.ex_register_iso('lc-iso', args[1])
    return {'registered': registered, 'restored_template': d.ex_restore(node), 'images': [i.name for i in d.list_images()]}


def key_pairs(args):
    """create_key_pair, import_key_pair_from_string, list_key_pairs, get_key_pair, create_node with
    ex_keyname and ex_userdata (libcloud base64-encodes it), delete_key_pair."""
    d = driver()
    created = d.create_key_pair('lc-key')
    imported = d.import_key_pair_from_string('lc-imported', args[1])
    listed = [{'name': k.name, 'fingerprint': k.fingerprint, 'public_key': k.public_key, 'private_key': k.private_key} for k in d.list_key_pairs()]
    got = d.get_key_pair('lc-imported')
    size = next(s for s in d.list_sizes() if s.name == 'Small Instance')
    node = d.create_node(name=args[0], size=size, image=d.list_images()[0], location=d.list_locations()[0],
                         ex_keyname='lc-key', ex_userdata='#cloud-config\nhostname: lc-keys\n', ex_start_vm=True)
    # libcloud reads deleteSSHKeyPair's success as the string 'true'; CloudStack (and Stratus) send a boolean.
    deleted = d.delete_key_pair(imported)
    return {
        'created': {'name': created.name, 'fingerprint': created.fingerprint, 'private_key': created.private_key, 'public_key': created.public_key},
        'imported': {'name': imported.name, 'fingerprint': imported.fingerprint, 'private_key': imported.private_key},
        'listed': listed,
        'got': {'name': got.name, 'fingerprint': got.fingerprint},
        'node': node_json(node),
        'deleted': deleted,
        'after_delete': sorted(k.name for k in d.list_key_pairs()),
    }


def state_of(d, node_id):
    found = [n for n in d.list_nodes() if n.id == node_id]
    return str(found[0].state) if found else None


STEPS = {f.__name__: f for f in (list_locations, list_sizes, list_images, create_node, list_nodes, wrong_secret, change_size, lifecycle, volumes, create_node_with_disk, images, key_pairs)}

if __name__ == '__main__':
    print(json.dumps(STEPS[sys.argv[1]](sys.argv[2:])))
