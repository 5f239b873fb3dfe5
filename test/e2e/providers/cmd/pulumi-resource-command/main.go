// Command pulumi-resource-command is a TEST STAND-IN for pulumi-command 1.2.1, used by the
// k3s-stacks end-to-end suite only where the real plugin cannot be built (see ../../README.md).
// It serves command:remote:Command, command:remote:CopyToRemote and command:local:Command with the
// real provider's contract (inputs, outputs, secrecy, diff, create/update/delete semantics, SSH and
// proxy dialing).
package main

import (
	"io"
	"sync"

	"github.com/pulumi/pulumi-go-provider/infer"

	"k3sstacks.local/e2e/providers/internal/standin"
)

func main() {
	standin.Main("command", "pulumi-command", "1.2.1", func(b *infer.ProviderBuilder) *infer.ProviderBuilder {
		return b.WithResources(infer.Resource(&Command{}), infer.Resource(&CopyToRemote{}), infer.Resource(&LocalCommand{}))
	})
}

// lockedWriters serialises writes from several goroutines into writers that share buffers.
type lockedWriters struct{ mu sync.Mutex }

func (l *lockedWriters) wrap(w io.Writer) io.Writer { return lockedWriter{l, w} }

type lockedWriter struct {
	l *lockedWriters
	w io.Writer
}

func (lw lockedWriter) Write(b []byte) (int, error) {
	lw.l.mu.Lock()
	defer lw.l.mu.Unlock()
	return lw.w.Write(b)
}
