// The Terraform provider's cloudstack_instance life cycle, replayed with the Go CloudStack SDK
// Debian packages (github.com/xanzy/go-cloudstack 2.9, the SDK the provider was built on before it
// moved to apache/cloudstack-go): the calls resource_cloudstack_instance.go makes for create, read,
// update and delete, in its order, through the SDK's own signing, POST/GET choice, async polling and
// strict JSON types. Run by instance.compat.test.ts against a local stack (GOPATH mode, no network).
package terraform

import (
	"os"
	"strings"
	"testing"

	"github.com/xanzy/go-cloudstack/cloudstack"
)

func client(t *testing.T) *cloudstack.CloudStackClient {
	url, key, secret := os.Getenv("STRATUS_API_URL"), os.Getenv("STRATUS_API_KEY"), os.Getenv("STRATUS_SECRET_KEY")
	if url == "" || key == "" || secret == "" {
		t.Fatal("STRATUS_API_URL, STRATUS_API_KEY and STRATUS_SECRET_KEY must be set (instance.compat.test.ts sets them)")
	}
	return cloudstack.NewAsyncClient(url, key, secret, false)
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func tagsOf(tags []cloudstack.Tags) map[string]string {
	out := map[string]string{}
	for _, tag := range tags {
		out[tag.Key] = tag.Value
	}
	return out
}

func TestInstanceLifeCycle(t *testing.T) {
	cs := client(t)

	// Create: the provider resolves names to ids, deploys (the SDK waits for the job), then tags.
	zoneid, _, err := cs.Zone.GetZoneID(os.Getenv("STRATUS_ZONE"))
	must(t, "GetZoneID", err)
	small, _, err := cs.ServiceOffering.GetServiceOfferingID("Small Instance")
	must(t, "GetServiceOfferingID Small Instance", err)
	medium, _, err := cs.ServiceOffering.GetServiceOfferingID("Medium Instance")
	must(t, "GetServiceOfferingID Medium Instance", err)
	templateid, _, err := cs.Template.GetTemplateID(os.Getenv("STRATUS_TEMPLATE"), "executable", zoneid)
	must(t, "GetTemplateID", err)
	networkid, _, err := cs.Network.GetNetworkID(os.Getenv("STRATUS_NETWORK"))
	must(t, "GetNetworkID", err)

	p := cs.VirtualMachine.NewDeployVirtualMachineParams(small, templateid, zoneid)
	p.SetName("tf-web")
	p.SetDisplayname("tf web")
	p.SetNetworkids([]string{networkid})
	p.SetRootdisksize(10)
	p.SetStartvm(true)
	deployed, err := cs.VirtualMachine.DeployVirtualMachine(p)
	must(t, "DeployVirtualMachine", err)
	if deployed.State != "Running" || deployed.Serviceofferingid != small {
		t.Fatalf("deployed VM is %s with offering %s, want Running with %s", deployed.State, deployed.Serviceofferingid, small)
	}
	id := deployed.Id
	_, err = cs.Resourcetags.CreateTags(cs.Resourcetags.NewCreateTagsParams([]string{id}, "UserVm", map[string]string{"env": "test", "owner": "tf"}))
	must(t, "CreateTags", err)

	// Read: the VM by id, then its ROOT volume (the provider reads root_disk_size from it).
	read := func() *cloudstack.VirtualMachine {
		vm, count, err := cs.VirtualMachine.GetVirtualMachineByID(id)
		must(t, "GetVirtualMachineByID", err)
		if count != 1 {
			t.Fatalf("GetVirtualMachineByID count %d", count)
		}
		lv := cs.Volume.NewListVolumesParams()
		lv.SetVirtualmachineid(id)
		lv.SetType("ROOT")
		volumes, err := cs.Volume.ListVolumes(lv)
		must(t, "ListVolumes type=ROOT", err)
		if volumes.Count != 1 || volumes.Volumes[0].Size != 10*1024*1024*1024 || volumes.Volumes[0].Type != "ROOT" {
			t.Fatalf("ROOT volumes: %+v", volumes)
		}
		return vm
	}
	vm := read()
	if got := tagsOf(vm.Tags); got["env"] != "test" || got["owner"] != "tf" {
		t.Fatalf("tags after create: %v", got)
	}

	// Update: the display name in place; a new service offering by stop, change, start; tags by delete and create.
	up := cs.VirtualMachine.NewUpdateVirtualMachineParams(id)
	up.SetDisplayname("tf web 2")
	_, err = cs.VirtualMachine.UpdateVirtualMachine(up)
	must(t, "UpdateVirtualMachine", err)
	_, err = cs.VirtualMachine.StopVirtualMachine(cs.VirtualMachine.NewStopVirtualMachineParams(id))
	must(t, "StopVirtualMachine", err)
	_, err = cs.VirtualMachine.ChangeServiceForVirtualMachine(cs.VirtualMachine.NewChangeServiceForVirtualMachineParams(id, medium))
	must(t, "ChangeServiceForVirtualMachine", err)
	_, err = cs.VirtualMachine.StartVirtualMachine(cs.VirtualMachine.NewStartVirtualMachineParams(id))
	must(t, "StartVirtualMachine", err)
	dt := cs.Resourcetags.NewDeleteTagsParams([]string{id}, "UserVm")
	dt.SetTags(map[string]string{"env": "test"})
	_, err = cs.Resourcetags.DeleteTags(dt)
	must(t, "DeleteTags", err)
	_, err = cs.Resourcetags.CreateTags(cs.Resourcetags.NewCreateTagsParams([]string{id}, "UserVm", map[string]string{"env": "prod"}))
	must(t, "CreateTags env=prod", err)

	vm = read()
	if vm.Displayname != "tf web 2" || vm.Serviceofferingname != "Medium Instance" || vm.State != "Running" || vm.Memory != 1024 {
		t.Fatalf("after update: displayname %q offering %q state %q memory %d", vm.Displayname, vm.Serviceofferingname, vm.State, vm.Memory)
	}
	if got := tagsOf(vm.Tags); len(got) != 2 || got["env"] != "prod" || got["owner"] != "tf" {
		t.Fatalf("tags after update: %v", got)
	}

	// Delete: destroy with expunge; the next read is the provider's "No match found" (gone from state).
	dv := cs.VirtualMachine.NewDestroyVirtualMachineParams(id)
	dv.SetExpunge(true)
	_, err = cs.VirtualMachine.DestroyVirtualMachine(dv)
	must(t, "DestroyVirtualMachine expunge", err)
	_, count, err := cs.VirtualMachine.GetVirtualMachineByID(id)
	if err == nil || count != 0 || !strings.Contains(err.Error(), "No match found for "+id) {
		t.Fatalf("read after delete: count %d, err %v; want count 0 and \"No match found for %s\"", count, err, id)
	}
}
