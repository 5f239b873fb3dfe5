module k3sstacks.local/e2e/providers

go 1.25.11

require (
	github.com/pkg/sftp v1.13.6
	github.com/pulumi/pulumi-go-provider v1.3.0
	github.com/pulumi/pulumi/pkg/v3 v3.259.0
	github.com/pulumi/pulumi/sdk/v3 v3.259.0
	golang.org/x/crypto v0.48.0
)

// Same replace as pulumi/pkg/v3's own go.mod (a dependency's replaces are ignored by Go).
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
