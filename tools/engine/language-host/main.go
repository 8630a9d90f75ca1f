// pulumi-language-nodejs for this project's machines: the Node.js language host the Pulumi engine
// launches to run a program, a policy pack or a Node.js plugin.
//
// Why it exists: the upstream host is its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3), and the Go module proxy
// these machines reach refuses every version of it ("This module version is not available", HTTP
// 403), while pkg/v3 and sdk/v3 are served. This host implements the same LanguageRuntime gRPC
// contract of sdk/v3 at the exact version the CLI is built from, and does what the upstream host
// does for the calls the engine makes during preview/up/refresh/destroy/import: it starts the SDK's
// own launchers (@pulumi/pulumi/cmd/run, cmd/run-policy-pack, cmd/run-plugin) from the program's
// node_modules with the same arguments and environment. Everything else answers Unimplemented, which
// the engine handles (it falls back or reports the call as unsupported).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is set at build time (-X main.version=…) to the @pulumi/pulumi version of the lockfile.
var version = "dev"

// engineHealthInterval: how often the host checks that its engine is still there (upstream's
// value); AGOGSAAS_ENGINE_HEALTH_INTERVAL (a Go duration) shortens it for the test that kills one.
func engineHealthInterval() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("AGOGSAAS_ENGINE_HEALTH_INTERVAL")); err == nil && d > 0 {
		return d
	}
	return 5 * time.Minute
}

// largeConfigBytes: above this the program gets its config through a pipe rather than
// PULUMI_CONFIG (Linux refuses one environment string over 128 KiB; see config-from-fd.js).
const largeConfigBytes = 64 << 10

// configPreload is the script install.sh puts next to this binary.
const configPreload = "pulumi-language-nodejs-config-from-fd.js"

// exitAfterReportedError is the SDK's exit code for "the error was already shown to the user"
// (@pulumi/pulumi/cmd/run nodeJSProcessExitedAfterLoggingUserActionableMessage).
const exitAfterReportedError = 32

func main() {
	flags := flag.NewFlagSet("pulumi-language-nodejs", flag.ContinueOnError)
	// The engine may pass runtime options as flags (older convention) besides ProgramInfo.Options.
	tracing := flags.String("tracing", "", "Zipkin-compatible tracing endpoint")
	flagOptions := map[string]*string{}
	for _, name := range []string{"typescript", "tsconfig", "nodeargs", "packagemanager", "root"} {
		flagOptions[name] = flags.String(name, "", "runtime option "+name)
	}
	if err := flags.Parse(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
	engineAddress := ""
	if flags.NArg() > 0 {
		engineAddress = flags.Arg(0)
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: node is not on $PATH: %v\n", err)
		os.Exit(1)
	}
	host := &languageHost{nodeBin: nodeBin, engineAddress: engineAddress, tracing: *tracing, flagOptions: map[string]string{}}
	for name, value := range flagOptions {
		if *value != "" {
			host.flagOptions[name] = *value
		}
	}
	// Like the upstream hosts: stop when the engine that started us is gone (a killed CLI would
	// otherwise leave this process behind for good).
	ctx, cancel := context.WithCancel(context.Background())
	stop := make(chan bool)
	go func() {
		<-ctx.Done()
		close(stop)
	}()
	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, engineHealthInterval(), cancel); err != nil {
			fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: cannot watch the engine at %s: %v\n", engineAddress, err)
			os.Exit(1)
		}
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Cancel: stop,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start the gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: gRPC server stopped: %v\n", err)
		os.Exit(1)
	}
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	nodeBin       string
	engineAddress string
	tracing       string
	flagOptions   map[string]string
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// GetRequiredPlugins lists the resource plugins that the program's node_modules declare
// (package.json "pulumi": {"resource": true}), as the upstream host does. The engine only loads a
// plugin when a resource of it is registered; downloads stay off (PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION).
func (h *languageHost) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetProgram()
	}
	plugins, err := pluginsOfNodeModules(dir)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

type packageManifest struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

func pluginsOfNodeModules(programDir string) ([]*pulumirpc.PluginDependency, error) {
	nodeModules := findUp(programDir, "node_modules")
	if nodeModules == "" {
		return nil, nil
	}
	var manifests []string
	entries, err := os.ReadDir(nodeModules)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", nodeModules, err)
	}
	for _, entry := range entries {
		if strings.HasPrefix(entry.Name(), "@") {
			scoped, _ := os.ReadDir(filepath.Join(nodeModules, entry.Name()))
			for _, pkg := range scoped {
				manifests = append(manifests, filepath.Join(nodeModules, entry.Name(), pkg.Name(), "package.json"))
			}
		} else {
			manifests = append(manifests, filepath.Join(nodeModules, entry.Name(), "package.json"))
		}
	}
	seen := map[string]bool{}
	var plugins []*pulumirpc.PluginDependency
	for _, file := range manifests {
		bytes, err := os.ReadFile(file)
		if err != nil {
			continue // not a package (e.g. .bin, .package-lock.json)
		}
		var manifest packageManifest
		if json.Unmarshal(bytes, &manifest) != nil || !manifest.Pulumi.Resource {
			continue
		}
		name := manifest.Pulumi.Name
		if name == "" {
			name = strings.TrimPrefix(strings.TrimPrefix(manifest.Name, "@pulumi/"), "@")
		}
		pluginVersion := manifest.Pulumi.Version
		if pluginVersion == "" {
			pluginVersion = manifest.Version
		}
		if !strings.HasPrefix(pluginVersion, "v") {
			pluginVersion = "v" + pluginVersion
		}
		if seen[name+pluginVersion] {
			continue
		}
		seen[name+pluginVersion] = true
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: name, Kind: "resource", Version: pluginVersion, Server: manifest.Pulumi.Server,
		})
	}
	sort.Slice(plugins, func(i, j int) bool { return plugins[i].Name < plugins[j].Name })
	return plugins, nil
}

// findUp returns dir/name or the first ancestor's name that exists, "" if none.
func findUp(dir, name string) string {
	dir, _ = filepath.Abs(dir)
	for {
		candidate := filepath.Join(dir, name)
		if _, err := os.Stat(candidate); err == nil {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// sdkLauncher finds @pulumi/pulumi/cmd/<launcher> in the node_modules above dir.
func sdkLauncher(dir, launcher string) (string, error) {
	path := findUp(dir, filepath.Join("node_modules", "@pulumi", "pulumi", "cmd", launcher))
	if path == "" {
		return "", fmt.Errorf("@pulumi/pulumi is not installed above %s (no node_modules/@pulumi/pulumi/cmd/%s): run npm ci", dir, launcher)
	}
	return path, nil
}

// options merges the runtime options of Pulumi.yaml (ProgramInfo.Options) over those given as flags.
func (h *languageHost) options(info *pulumirpc.ProgramInfo) map[string]string {
	merged := map[string]string{}
	for k, v := range h.flagOptions {
		merged[k] = v
	}
	if info != nil && info.Options != nil {
		for k, v := range info.Options.AsMap() {
			merged[k] = fmt.Sprint(v)
		}
	}
	return merged
}

func (h *languageHost) Run(_ context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	runPath, err := sdkLauncher(programDir, "run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	options := h.options(info)
	args := strings.Fields(options["nodeargs"])
	args = append(args, runPath)
	appendFlag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	appendFlag("monitor", req.GetMonitorAddress())
	appendFlag("engine", h.engineAddress)
	appendFlag("organization", req.GetOrganization())
	appendFlag("project", req.GetProject())
	appendFlag("stack", req.GetStack())
	appendFlag("pwd", programDir)
	appendFlag("root-directory", info.GetRootDirectory())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	appendFlag("parallel", strconv.Itoa(int(req.GetParallel())))
	appendFlag("tracing", h.tracing)
	entryPoint := info.GetEntryPoint()
	if entryPoint == "" {
		entryPoint = "."
	}
	args = append(args, entryPoint)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("serialising config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serialising config secret keys: %w", err)
	}
	env := append(os.Environ(), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON))
	env = append(env, runtimeOptionEnv(options)...)
	if len(config) <= largeConfigBytes {
		cmd := exec.Command(h.nodeBin, args...)
		cmd.Env = append(env, "PULUMI_CONFIG="+string(config))
		return runProgram(cmd, programDir)
	}
	// A large config goes through a pipe on the program's fd 3, read by the preload (which must
	// come before the launcher) into PULUMI_CONFIG.
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("locating %s: %w", configPreload, err)
	}
	reader, writer, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("a pipe for the stack config: %w", err)
	}
	defer reader.Close()
	defer writer.Close()
	cmd := exec.Command(h.nodeBin, append([]string{"--require", filepath.Join(filepath.Dir(self), configPreload)}, args...)...)
	cmd.ExtraFiles = []*os.File{reader}
	cmd.Env = append(env, "AGOGSAAS_PULUMI_CONFIG_FD=3")
	// Written while the program reads it (a pipe holds 64 KiB); a program that dies first unblocks
	// the write through the deferred Close.
	go func() {
		_, _ = writer.Write(config)
		_ = writer.Close()
	}()
	return runProgram(cmd, programDir)
}

// runProgram runs the program's node process to its end and maps its exit to the RunResponse the
// engine expects.
func runProgram(cmd *exec.Cmd, programDir string) (*pulumirpc.RunResponse, error) {
	cmd.Dir = programDir
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitAfterReportedError {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run node: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// runtimeOptionEnv passes Pulumi.yaml's typescript/tsconfig options the way the SDK reads them.
func runtimeOptionEnv(options map[string]string) []string {
	var env []string
	if v, ok := options["typescript"]; ok && v != "" {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT="+v)
	}
	if v, ok := options["tsconfig"]; ok && v != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+v)
	}
	return env
}

// RunPlugin starts a Node.js policy pack (kind analyzer) or plugin (kind resource) with the SDK's
// launcher and streams its stdout/stderr back; the plugin's first stdout line is its port.
func (h *languageHost) RunPlugin(req *pulumirpc.RunPluginRequest, stream grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]) error {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetProgram()
	}
	var launcher string
	var args []string
	switch req.GetKind() {
	case "analyzer":
		path, err := sdkLauncher(dir, "run-policy-pack")
		if err != nil {
			return err
		}
		// run-policy-pack <engine address> <program>
		launcher, args = path, append(append([]string{}, req.GetArgs()...), ".")
	default:
		path, err := sdkLauncher(dir, "run-plugin")
		if err != nil {
			return err
		}
		launcher, args = path, append([]string{"."}, req.GetArgs()...)
	}
	options := h.options(req.GetInfo())
	nodeArgs := append(strings.Fields(options["nodeargs"]), launcher)
	cmd := exec.Command(h.nodeBin, append(nodeArgs, args...)...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), req.GetEnv()...), runtimeOptionEnv(options)...)

	var sendLock sync.Mutex
	send := func(msg *pulumirpc.RunPluginResponse) error {
		sendLock.Lock()
		defer sendLock.Unlock()
		return stream.Send(msg)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", launcher, err)
	}
	var pumps sync.WaitGroup
	pump := func(r io.Reader, wrap func([]byte) *pulumirpc.RunPluginResponse) {
		defer pumps.Done()
		buf := make([]byte, 32*1024)
		for {
			n, readErr := r.Read(buf)
			if n > 0 {
				chunk := append([]byte(nil), buf[:n]...)
				if send(wrap(chunk)) != nil {
					return
				}
			}
			if readErr != nil {
				return
			}
		}
	}
	pumps.Add(2)
	go pump(stdout, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	go pump(stderr, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})
	// The engine cancels the stream when it is done with the plugin: stop the process then.
	go func() {
		<-stream.Context().Done()
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
	}()
	pumps.Wait()
	code := int32(0)
	if err := cmd.Wait(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return err
		}
		code = int32(exitErr.ExitCode())
	}
	return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}
