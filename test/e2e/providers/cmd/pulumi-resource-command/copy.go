package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/pkg/sftp"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi-go-provider/infer/types"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// CopyToRemote is command:remote:CopyToRemote. Subset: the source must be a FileAsset or a
// StringAsset; archives (FileArchive, directories) are refused by Check with a clear message.
// Like pulumi-command it has no delete action: the remote file stays when the resource goes.
type CopyToRemote struct{}

// CopyToRemoteInputs are the inputs (and outputs) of command:remote:CopyToRemote 1.2.1.
type CopyToRemoteInputs struct {
	Connection *Connection          `pulumi:"connection"        provider:"secret"`
	Triggers   *[]any               `pulumi:"triggers,optional" provider:"replaceOnChanges"`
	Source     types.AssetOrArchive `pulumi:"source"`
	RemotePath string               `pulumi:"remotePath"`
}

type CopyToRemoteOutputs struct{ CopyToRemoteInputs }

func (c *CopyToRemote) Annotate(a infer.Annotator) { a.SetToken("remote", "CopyToRemote") }

func (*CopyToRemote) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[CopyToRemoteInputs], error) {
	in, failures, err := infer.DefaultCheck[CopyToRemoteInputs](ctx, req.NewInputs)
	if err != nil {
		return infer.CheckResponse[CopyToRemoteInputs]{Inputs: in, Failures: failures}, err
	}
	fail := func(reason string) {
		failures = append(failures, p.CheckFailure{Property: "source", Reason: reason})
	}
	switch a := in.Source.Asset; {
	case in.Source.Archive != nil:
		fail("archives are not supported by the k3s-stacks pulumi-command stand-in: use a FileAsset or StringAsset")
	case a == nil:
		fail("source must be set to an asset")
	case !a.IsPath() && !a.IsText():
		fail("asset must be a path-based file asset or a text asset")
	}
	return infer.CheckResponse[CopyToRemoteInputs]{Inputs: in, Failures: failures}, nil
}

func (*CopyToRemote) Create(ctx context.Context, req infer.CreateRequest[CopyToRemoteInputs]) (infer.CreateResponse[CopyToRemoteOutputs], error) {
	out := CopyToRemoteOutputs{req.Inputs}
	if req.DryRun {
		return infer.CreateResponse[CopyToRemoteOutputs]{Output: out}, nil
	}
	if err := copyToRemote(ctx, req.Inputs); err != nil {
		return infer.CreateResponse[CopyToRemoteOutputs]{Output: out}, err
	}
	id, err := resource.NewUniqueHex("", 8, 0)
	return infer.CreateResponse[CopyToRemoteOutputs]{ID: id, Output: out}, err
}

// Update copies again only when the content hash or the destination changed (a connection-only
// change copies nothing), as pulumi-command does.
func (*CopyToRemote) Update(ctx context.Context, req infer.UpdateRequest[CopyToRemoteInputs, CopyToRemoteOutputs]) (infer.UpdateResponse[CopyToRemoteOutputs], error) {
	news, olds := req.Inputs, req.State
	out := CopyToRemoteOutputs{news}
	if req.DryRun || (assetHash(news) == assetHash(olds.CopyToRemoteInputs) && news.RemotePath == olds.RemotePath) {
		return infer.UpdateResponse[CopyToRemoteOutputs]{Output: out}, nil
	}
	return infer.UpdateResponse[CopyToRemoteOutputs]{Output: out}, copyToRemote(ctx, news)
}

func assetHash(in CopyToRemoteInputs) string {
	if in.Source.Asset == nil {
		return ""
	}
	_ = in.Source.Asset.EnsureHash() // an unreadable file fails later, in the copy, with its own error
	return in.Source.Asset.Hash
}

// copyToRemote writes the asset to remotePath over SFTP, creating parent directories. An
// existing directory at remotePath receives the file under its own name (file assets only).
func copyToRemote(ctx context.Context, in CopyToRemoteInputs) error {
	client, err := in.Connection.Dial(ctx)
	if err != nil {
		return err
	}
	defer client.Close()
	sc, err := sftp.NewClient(client)
	if err != nil {
		return err
	}
	defer sc.Close()

	asset := in.Source.Asset
	var src io.Reader
	if asset.IsText() {
		src = strings.NewReader(asset.Text)
	} else {
		f, err := os.Open(asset.Path)
		if err != nil {
			return err
		}
		defer f.Close()
		src = f
	}
	dest := in.RemotePath
	info, err := sc.Stat(dest)
	switch {
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("failed to stat remote path %s: %w", dest, err)
	case err == nil && info.IsDir() && asset.IsText():
		return fmt.Errorf("remote path %s is a directory; when using a text asset, remotePath must be a file path", dest)
	case err == nil && info.IsDir():
		dest = path.Join(dest, path.Base(asset.Path))
	default:
		if err := sc.MkdirAll(path.Dir(dest)); err != nil {
			return fmt.Errorf("failed to create parent directories for %s: %w", dest, err)
		}
	}
	remote, err := sc.Create(dest)
	if err != nil {
		return fmt.Errorf("failed to create remote file %s: %w", dest, err)
	}
	if _, err := io.Copy(remote, src); err != nil {
		remote.Close()
		return fmt.Errorf("failed to copy to remote path %s: %w", dest, err)
	}
	return remote.Close()
}
