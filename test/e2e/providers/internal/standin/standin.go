// Package standin holds what both TEST STAND-IN provider plugins share: the stand-in notice, the
// `--version` flag and serving the provider to the Pulumi engine.
//
// The stand-ins exist because the real plugins cannot be built from the Go module proxy in the
// k3s-stacks build environment. They live only in the toolchain cache (test/e2e/toolchain/build.sh)
// and are never used when the real plugins are on PATH.
package standin

import (
	"context"
	"fmt"
	"os"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
)

// Notice names the plugin as a test double, e.g. "k3s-stacks test stand-in for pulumi-command 1.2.1".
func Notice(realPlugin, version string) string {
	return fmt.Sprintf("k3s-stacks test stand-in for %s %s", realPlugin, version)
}

// Main serves the provider. The engine sees the real plugin's name and version (so the SDK's
// version request matches); `--version` and the schema description say it is a stand-in.
func Main(name, realPlugin, version string, build func(*infer.ProviderBuilder) *infer.ProviderBuilder) {
	notice := Notice(realPlugin, version)
	if len(os.Args) > 1 && (os.Args[1] == "--version" || os.Args[1] == "-version") {
		fmt.Printf("%s\n%s\n", version, notice)
		return
	}
	prov, err := build(infer.NewProviderBuilder().
		WithDisplayName(notice).
		WithDescription(notice + ": implements only what the k3s-stacks end-to-end suite uses.")).
		Build()
	if err == nil {
		err = p.RunProvider(context.Background(), name, version, prov)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %s\n", notice, err)
		os.Exit(1)
	}
}
