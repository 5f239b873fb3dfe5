module k3sstacks.local/e2e/langhost

go 1.25

require github.com/pulumi/pulumi/sdk/v3 v3.270.0
