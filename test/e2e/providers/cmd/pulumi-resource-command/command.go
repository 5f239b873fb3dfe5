package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Command is command:remote:Command. With an Update method, infer's default diff gives
// pulumi-command's behaviour: no change for equal inputs, replace when `triggers` changes
// (replaceOnChanges), update for any other change.
type Command struct{}

// Logging is command:remote:Logging: which output streams go to the engine log.
type Logging string

func (Logging) Values() []infer.EnumValue[Logging] {
	return []infer.EnumValue[Logging]{
		{Name: "stdout", Value: "stdout"},
		{Name: "stderr", Value: "stderr"},
		{Name: "stdoutAndStderr", Value: "stdoutAndStderr"},
		{Name: "none", Value: "none"},
	}
}

// Absent means both streams, as in pulumi-command.
func (l *Logging) stdout() bool { return l == nil || *l == "stdout" || *l == "stdoutAndStderr" }
func (l *Logging) stderr() bool { return l == nil || *l == "stderr" || *l == "stdoutAndStderr" }

// CommandInputs are the inputs of command:remote:Command 1.2.1.
type CommandInputs struct {
	Triggers               *[]any            `pulumi:"triggers,optional"  provider:"replaceOnChanges"`
	Create                 *string           `pulumi:"create,optional"`
	Update                 *string           `pulumi:"update,optional"`
	Delete                 *string           `pulumi:"delete,optional"`
	Stdin                  *string           `pulumi:"stdin,optional"`
	Logging                *Logging          `pulumi:"logging,optional"`
	Connection             *Connection       `pulumi:"connection"         provider:"secret"`
	Environment            map[string]string `pulumi:"environment,optional"`
	AddPreviousOutputInEnv *bool             `pulumi:"addPreviousOutputInEnv,optional"`
}

// CommandOutputs are the inputs plus the captured output of the last create/update.
type CommandOutputs struct {
	CommandInputs
	Stdout string `pulumi:"stdout"`
	Stderr string `pulumi:"stderr"`
}

func (c *Command) Annotate(a infer.Annotator) { a.SetToken("remote", "Command") }

// Create runs `create` (nothing when it is absent or in preview).
func (*Command) Create(ctx context.Context, req infer.CreateRequest[CommandInputs]) (infer.CreateResponse[CommandOutputs], error) {
	state := CommandOutputs{CommandInputs: req.Inputs}
	id, err := resource.NewUniqueHex(req.Name, 8, 0)
	if err != nil || req.DryRun || req.Inputs.Create == nil {
		return infer.CreateResponse[CommandOutputs]{ID: id, Output: state}, err
	}
	err = state.run(ctx, *req.Inputs.Create)
	return infer.CreateResponse[CommandOutputs]{ID: id, Output: state}, err
}

// Update runs `update`, or `create` when there is no `update`. The previous stdout/stderr stay
// in the state (and reach the command as PULUMI_COMMAND_STDOUT/STDERR) until the run replaces them.
func (*Command) Update(ctx context.Context, req infer.UpdateRequest[CommandInputs, CommandOutputs]) (infer.UpdateResponse[CommandOutputs], error) {
	state := CommandOutputs{CommandInputs: req.Inputs, Stdout: req.State.Stdout, Stderr: req.State.Stderr}
	cmd := req.Inputs.Update
	if cmd == nil {
		cmd = req.Inputs.Create
	}
	if req.DryRun || cmd == nil {
		return infer.UpdateResponse[CommandOutputs]{Output: state}, nil
	}
	err := state.run(ctx, *cmd)
	return infer.UpdateResponse[CommandOutputs]{Output: state}, err
}

// Delete runs `delete` with everything from the stored state (connection, stdin, environment).
func (*Command) Delete(ctx context.Context, req infer.DeleteRequest[CommandOutputs]) (infer.DeleteResponse, error) {
	if req.State.Delete == nil {
		return infer.DeleteResponse{}, nil
	}
	state := req.State
	return infer.DeleteResponse{}, state.run(ctx, *state.Delete)
}

// run executes cmd in one SSH session and, on success, records its stdout/stderr (one trailing
// newline trimmed). On failure the error carries the command and its combined output.
func (c *CommandOutputs) run(ctx context.Context, cmd string) error {
	client, err := c.Connection.Dial(ctx)
	if err != nil {
		return err
	}
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		return err
	}
	defer session.Close()

	log := p.GetLogger(ctx)
	for k, v := range c.Environment {
		if err := session.Setenv(k, v); err != nil {
			log.Errorf("Unable to set '%s': the SSH server must accept it (AcceptEnv), or prefix the command with 'VAR=value'", k)
			return fmt.Errorf("could not set environment variable %q: %w", k, err)
		}
	}
	if c.AddPreviousOutputInEnv == nil || *c.AddPreviousOutputInEnv {
		// Best effort, as in pulumi-command: a server without AcceptEnv only earns a warning.
		for name, value := range map[string]string{"PULUMI_COMMAND_STDOUT": c.Stdout, "PULUMI_COMMAND_STDERR": c.Stderr} {
			if value != "" && session.Setenv(name, value) != nil {
				log.Warningf("Unable to set '%s': the SSH server must accept it (AcceptEnv)", name)
			}
		}
	}
	if c.Stdin != nil && *c.Stdin != "" {
		session.Stdin = strings.NewReader(*c.Stdin)
	}
	out, err := runLogged(ctx, c.Logging, func(stdout, stderr io.Writer) error {
		session.Stdout, session.Stderr = stdout, stderr
		return session.Run(cmd)
	})
	if err != nil {
		return fmt.Errorf("%w: running %q:\n%s", err, cmd, out.combined.String())
	}
	c.Stdout, c.Stderr = out.Stdout(), out.Stderr()
	return nil
}
