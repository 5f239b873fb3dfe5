// A real etcd server (the release k3s embeds in its 1.2x–1.3x lines is 3.5.x) for the test of the
// etcd quorum guards against etcd's own JSON gateway (scenarios/etcd-json-gateway.e2e.test.ts).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
