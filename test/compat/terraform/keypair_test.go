// The Terraform provider's cloudstack_ssh_keypair life cycle and a cloudstack_instance given a key
// pair and user data, replayed with the Go CloudStack SDK Debian packages: the keypair resource
// registers a public key (or creates a pair), reads it by name and deletes it (tolerating CloudStack's
// "does not exist" text); the instance deploys with the key and user data, and its update stops it,
// resets its key, changes its user data and tags, and starts it, as resource_cloudstack_instance.go does.
package terraform

import (
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"
)

const laptopKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGqHIX2QqRXQvYqwQhUZ1o9vB7mXo6jEx8Xr1nGfHkR4 tf@example"

func TestSSHKeypairAndInstanceKeys(t *testing.T) {
	cs := client(t)

	// cloudstack_ssh_keypair with public_key: register; without: create (the private key comes back once).
	registered, err := cs.SSH.RegisterSSHKeyPair(cs.SSH.NewRegisterSSHKeyPairParams("tf-laptop", laptopKey))
	must(t, "RegisterSSHKeyPair", err)
	created, err := cs.SSH.CreateSSHKeyPair(cs.SSH.NewCreateSSHKeyPairParams("tf-generated"))
	must(t, "CreateSSHKeyPair", err)
	if !strings.HasPrefix(created.Privatekey, "-----BEGIN RSA PRIVATE KEY-----") || created.Fingerprint == "" {
		t.Fatalf("created pair: fingerprint %q, private key %.40q", created.Fingerprint, created.Privatekey)
	}
	// Read: by name, as the provider's Read does.
	lp := cs.SSH.NewListSSHKeyPairsParams()
	lp.SetName("tf-laptop")
	listed, err := cs.SSH.ListSSHKeyPairs(lp)
	must(t, "ListSSHKeyPairs name=tf-laptop", err)
	if listed.Count != 1 || listed.SSHKeyPairs[0].Fingerprint != registered.Fingerprint {
		t.Fatalf("listed %+v, want the registered pair with fingerprint %s", listed, registered.Fingerprint)
	}

	// cloudstack_instance with keypair and user_data (the provider base64-encodes it).
	zoneid, _, err := cs.Zone.GetZoneID(os.Getenv("STRATUS_ZONE"))
	must(t, "GetZoneID", err)
	small, _, err := cs.ServiceOffering.GetServiceOfferingID("Small Instance")
	must(t, "GetServiceOfferingID", err)
	templateid, _, err := cs.Template.GetTemplateID(os.Getenv("STRATUS_TEMPLATE"), "executable", zoneid)
	must(t, "GetTemplateID", err)
	p := cs.VirtualMachine.NewDeployVirtualMachineParams(small, templateid, zoneid)
	p.SetName("tf-keyed")
	p.SetKeypair("tf-laptop")
	p.SetUserdata(base64.StdEncoding.EncodeToString([]byte("#cloud-config\nhostname: tf-keyed\n")))
	deployed, err := cs.VirtualMachine.DeployVirtualMachine(p)
	must(t, "DeployVirtualMachine keypair user_data", err)
	if deployed.State != "Running" {
		t.Fatalf("deployed VM is %s", deployed.State)
	}
	id := deployed.Id

	// Update: the keypair and user_data need the VM stopped; then tags; then it starts again.
	_, err = cs.VirtualMachine.StopVirtualMachine(cs.VirtualMachine.NewStopVirtualMachineParams(id))
	must(t, "StopVirtualMachine", err)
	reset, err := cs.SSH.ResetSSHKeyForVirtualMachine(cs.SSH.NewResetSSHKeyForVirtualMachineParams(id, "tf-generated"))
	must(t, "ResetSSHKeyForVirtualMachine", err)
	if reset.Id != id {
		t.Fatalf("reset answered VM %q, want %q", reset.Id, id)
	}
	up := cs.VirtualMachine.NewUpdateVirtualMachineParams(id)
	up.SetUserdata(base64.StdEncoding.EncodeToString([]byte("#cloud-config\nhostname: tf-keyed-2\n")))
	_, err = cs.VirtualMachine.UpdateVirtualMachine(up)
	must(t, "UpdateVirtualMachine user_data", err)
	_, err = cs.VirtualMachine.StartVirtualMachine(cs.VirtualMachine.NewStartVirtualMachineParams(id))
	must(t, "StartVirtualMachine", err)
	_, err = cs.Resourcetags.CreateTags(cs.Resourcetags.NewCreateTagsParams([]string{id}, "UserVm", map[string]string{"role": "web"}))
	must(t, "CreateTags", err)
	vm, _, err := cs.VirtualMachine.GetVirtualMachineByID(id)
	must(t, "GetVirtualMachineByID", err)
	if vm.State != "Running" || tagsOf(vm.Tags)["role"] != "web" {
		t.Fatalf("after update: state %s, tags %v", vm.State, tagsOf(vm.Tags))
	}
	fmt.Printf("instance %s keys reset and user data changed\n", id)

	// Delete the instance, then the pairs; deleting a pair twice is the provider's tolerated "does not exist".
	dv := cs.VirtualMachine.NewDestroyVirtualMachineParams(id)
	dv.SetExpunge(true)
	_, err = cs.VirtualMachine.DestroyVirtualMachine(dv)
	must(t, "DestroyVirtualMachine", err)
	for _, name := range []string{"tf-laptop", "tf-generated"} {
		_, err = cs.SSH.DeleteSSHKeyPair(cs.SSH.NewDeleteSSHKeyPairParams(name))
		must(t, "DeleteSSHKeyPair "+name, err)
	}
	_, err = cs.SSH.DeleteSSHKeyPair(cs.SSH.NewDeleteSSHKeyPairParams("tf-laptop"))
	if err == nil || !strings.Contains(err.Error(), "A key pair with name 'tf-laptop' does not exist for account") {
		t.Fatalf("second delete: %v; want the provider's tolerated \"does not exist\"", err)
	}
}
