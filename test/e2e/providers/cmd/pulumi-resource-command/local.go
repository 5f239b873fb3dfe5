package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// LocalCommand is command:local:Command: the command runs on the machine running Pulumi, through
// `interpreter` (default /bin/sh -c), in `dir` (default the provider's working directory), with the
// provider's environment plus `environment`. Diff and create/update/delete follow Command above.
// Subset: assetPaths and archivePaths are refused by Check.
type LocalCommand struct{}

// LocalCommandInputs are the inputs of command:local:Command 1.2.1.
type LocalCommandInputs struct {
	Triggers               *[]any            `pulumi:"triggers,optional"  provider:"replaceOnChanges"`
	Create                 *string           `pulumi:"create,optional"`
	Update                 *string           `pulumi:"update,optional"`
	Delete                 *string           `pulumi:"delete,optional"`
	Stdin                  *string           `pulumi:"stdin,optional"`
	Logging                *Logging          `pulumi:"logging,optional"`
	Interpreter            *[]string         `pulumi:"interpreter,optional"`
	Dir                    *string           `pulumi:"dir,optional"`
	Environment            map[string]string `pulumi:"environment,optional"`
	AssetPaths             *[]string         `pulumi:"assetPaths,optional"`
	ArchivePaths           *[]string         `pulumi:"archivePaths,optional"`
	AddPreviousOutputInEnv *bool             `pulumi:"addPreviousOutputInEnv,optional"`
}

// LocalCommandOutputs are the inputs plus the captured output of the last create/update.
type LocalCommandOutputs struct {
	LocalCommandInputs
	Stdout string `pulumi:"stdout"`
	Stderr string `pulumi:"stderr"`
}

func (c *LocalCommand) Annotate(a infer.Annotator) { a.SetToken("local", "Command") }

func (*LocalCommand) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[LocalCommandInputs], error) {
	in, failures, err := infer.DefaultCheck[LocalCommandInputs](ctx, req.NewInputs)
	if err == nil && (in.AssetPaths != nil || in.ArchivePaths != nil) {
		failures = append(failures, p.CheckFailure{Property: "assetPaths", Reason: "assetPaths and archivePaths are not supported by the k3s-stacks pulumi-command stand-in"})
	}
	return infer.CheckResponse[LocalCommandInputs]{Inputs: in, Failures: failures}, err
}

// Create runs `create` (nothing when it is absent or in preview).
func (*LocalCommand) Create(ctx context.Context, req infer.CreateRequest[LocalCommandInputs]) (infer.CreateResponse[LocalCommandOutputs], error) {
	state := LocalCommandOutputs{LocalCommandInputs: req.Inputs}
	id, err := resource.NewUniqueHex(req.Name, 8, 0)
	if err != nil || req.DryRun || req.Inputs.Create == nil {
		return infer.CreateResponse[LocalCommandOutputs]{ID: id, Output: state}, err
	}
	err = state.run(ctx, *req.Inputs.Create)
	return infer.CreateResponse[LocalCommandOutputs]{ID: id, Output: state}, err
}

// Update runs `update`, or `create` when there is no `update`; the previous output stays until replaced.
func (*LocalCommand) Update(ctx context.Context, req infer.UpdateRequest[LocalCommandInputs, LocalCommandOutputs]) (infer.UpdateResponse[LocalCommandOutputs], error) {
	state := LocalCommandOutputs{LocalCommandInputs: req.Inputs, Stdout: req.State.Stdout, Stderr: req.State.Stderr}
	cmd := req.Inputs.Update
	if cmd == nil {
		cmd = req.Inputs.Create
	}
	if req.DryRun || cmd == nil {
		return infer.UpdateResponse[LocalCommandOutputs]{Output: state}, nil
	}
	err := state.run(ctx, *cmd)
	return infer.UpdateResponse[LocalCommandOutputs]{Output: state}, err
}

// Delete runs `delete` with everything from the stored state (stdin, environment, dir).
func (*LocalCommand) Delete(ctx context.Context, req infer.DeleteRequest[LocalCommandOutputs]) (infer.DeleteResponse, error) {
	if req.State.Delete == nil {
		return infer.DeleteResponse{}, nil
	}
	state := req.State
	return infer.DeleteResponse{}, state.run(ctx, *state.Delete)
}

// run executes cmd locally and, on success, records its stdout/stderr; on failure the error carries
// the command and its combined output, as pulumi-command's local provider words it.
func (c *LocalCommandOutputs) run(ctx context.Context, cmd string) error {
	args := []string{"/bin/sh", "-c"}
	if c.Interpreter != nil && len(*c.Interpreter) > 0 {
		args = append([]string{}, *c.Interpreter...)
	}
	args = append(args, cmd)
	proc := exec.CommandContext(ctx, args[0], args[1:]...)
	if c.Dir != nil {
		proc.Dir = *c.Dir
	} else {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		proc.Dir = wd
	}
	proc.Env = os.Environ()
	for k, v := range c.Environment {
		proc.Env = append(proc.Env, fmt.Sprintf("%s=%s", k, v))
	}
	if c.AddPreviousOutputInEnv == nil || *c.AddPreviousOutputInEnv {
		if c.Stdout != "" {
			proc.Env = append(proc.Env, "PULUMI_COMMAND_STDOUT="+c.Stdout)
		}
		if c.Stderr != "" {
			proc.Env = append(proc.Env, "PULUMI_COMMAND_STDERR="+c.Stderr)
		}
	}
	if c.Stdin != nil && *c.Stdin != "" {
		proc.Stdin = strings.NewReader(*c.Stdin)
	}
	out, err := runLogged(ctx, c.Logging, func(stdout, stderr io.Writer) error {
		proc.Stdout, proc.Stderr = stdout, stderr
		return proc.Run()
	})
	if err != nil {
		return fmt.Errorf("%w: running %q:\n%s", err, cmd, out.combined.String())
	}
	c.Stdout, c.Stderr = out.Stdout(), out.Stderr()
	return nil
}
