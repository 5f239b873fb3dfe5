// Prints what one Kubernetes release registers, for components/rules/kubernetes-flags.json:
// the kubelet's command-line flags ("flag <name>"), set up as the kubelet's own command sets them up,
// and the feature gates every component of the release shares ("gate <name> <default> <lockedToDefault>").
// Built against k8s.io/kubernetes by generate.sh; not part of the product or its tests.
package main

import (
	"fmt"
	"sort"

	"github.com/spf13/pflag"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	cliflag "k8s.io/component-base/cli/flag"
	_ "k8s.io/component-base/logs/json/register" // the kubelet binary registers the JSON log format's flags
	"k8s.io/kubernetes/cmd/kubelet/app/options"
	_ "k8s.io/kubernetes/pkg/features" // registers the Kubernetes feature gates
)

func main() {
	fs := pflag.NewFlagSet("kubelet", pflag.ContinueOnError)
	fs.SetNormalizeFunc(cliflag.WordSepNormalizeFunc)
	kc, err := options.NewKubeletConfiguration()
	if err != nil {
		panic(err)
	}
	options.NewKubeletFlags().AddFlags(fs)
	options.AddKubeletConfigFlags(fs, kc)
	options.AddGlobalFlags(fs)
	fs.BoolP("help", "h", false, "help")
	var lines []string
	fs.VisitAll(func(f *pflag.Flag) { lines = append(lines, "flag "+f.Name) })
	for name, spec := range utilfeature.DefaultMutableFeatureGate.GetAll() {
		lines = append(lines, fmt.Sprintf("gate %s %t %t", name, spec.Default, spec.LockToDefault))
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
}
