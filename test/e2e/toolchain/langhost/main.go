// Command pulumi-language-nodejs is a LANGUAGE-HOST STAND-IN for the end-to-end suite, used only
// when the real pulumi-language-nodejs is neither on PATH nor served by the Go module proxy.
//
// It does the one job the engine needs for `pulumi up`/`preview`/`destroy` of a Node.js program:
// run the real `@pulumi/pulumi/cmd/run` from the program's node_modules with the engine's
// monitor address, project, stack, config and flags. It reports no required plugins, so the
// engine never tries to install any; providers must be on PATH. Honours the runtime options
// typescript, tsconfig and nodeargs. Not supported: `pulumi new`,
// `pulumi install`, `pulumi about` details, policy packs, plugins written in Node.js.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Exit code of @pulumi/pulumi's run when the program failed and already reported why.
const bailExitCode = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.engineAddress = req.EngineAddress
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: "0.0.0-standin"}, nil
}

func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *host) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	return &pulumirpc.AboutResponse{Executable: "node", Version: "language-host stand-in"}, nil
}

// option reads a runtime option from Pulumi.yaml (runtime.options), with a default.
func option(req *pulumirpc.RunRequest, name string, def string) string {
	if req.Info == nil || req.Info.Options == nil {
		return def
	}
	v, ok := req.Info.Options.Fields[name]
	if !ok {
		return def
	}
	if b, isBool := v.AsInterface().(bool); isBool {
		return strconv.FormatBool(b)
	}
	return fmt.Sprint(v.AsInterface())
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	programDir := req.Pwd
	entry := "."
	if req.Info != nil {
		if req.Info.ProgramDirectory != "" {
			programDir = req.Info.ProgramDirectory
		}
		if req.Info.EntryPoint != "" {
			entry = req.Info.EntryPoint
		}
	}
	runPath := filepath.Join(programDir, "node_modules", "@pulumi", "pulumi", "cmd", "run")
	if _, err := os.Stat(runPath); err != nil {
		return nil, fmt.Errorf("language-host stand-in: %s not found (run npm ci in %s)", runPath, programDir)
	}
	// runtime.options.nodeargs: flags for node itself, before the run script (as the real host does).
	args := append(strings.Fields(option(req, "nodeargs", "")), runPath,
		"--monitor", req.MonitorAddress,
		"--engine", h.engineAddress,
		"--project", req.Project,
		"--stack", req.Stack,
		"--pwd", req.Pwd,
		"--parallel", strconv.Itoa(int(req.Parallel)),
	)
	if req.Organization != "" {
		args = append(args, "--organization", req.Organization)
	}
	if req.Info != nil && req.Info.RootDirectory != "" {
		args = append(args, "--root-directory", req.Info.RootDirectory)
	}
	if req.DryRun {
		args = append(args, "--dry-run")
	}
	args = append(args, entry)
	args = append(args, req.Args...)

	// As the real host (constructConfig, constructConfigSecretKeys): a stack without config gets "{}"
	// and "[]", never JSON null, which the SDK's config reader cannot take.
	config, secretKeys := []byte("{}"), []byte("[]")
	var err error
	if req.Config != nil {
		if config, err = json.Marshal(req.Config); err != nil {
			return nil, err
		}
	}
	if req.ConfigSecretKeys != nil {
		if secretKeys, err = json.Marshal(req.ConfigSecretKeys); err != nil {
			return nil, err
		}
	}
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = req.Pwd
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
		"PULUMI_NODEJS_TYPESCRIPT="+option(req, "typescript", "true"),
	)
	if ts := option(req, "tsconfig", ""); ts != "" {
		cmd.Env = append(cmd.Env, "PULUMI_NODEJS_TSCONFIG_PATH="+ts)
	}
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == bailExitCode {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func main() {
	// The engine passes its address as the last positional argument, possibly after logging flags.
	h := &host{}
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-") {
			h.engineAddress = a
		}
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(s, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "language-host stand-in: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "language-host stand-in: %v\n", err)
		os.Exit(1)
	}
}
