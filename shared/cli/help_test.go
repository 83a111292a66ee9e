package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// templateUsage is the usage template the command used before help.go wrote it out in Go
// (cobra's default, with "Commands:" and the Environment and Exit codes sections): the
// reference the Go rendering must match byte for byte. Tests may link text/template; the
// command must not.
const templateUsage = `Usage:{{if .Runnable}}
  {{.UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [command]{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

Commands:{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Flags:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Global Flags:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{with .Annotations.environment}}

Environment:
{{.}}{{end}}{{with .Annotations.exitcodes}}

Exit codes:
{{.}}{{end}}{{if .HasAvailableSubCommands}}

Use "{{.CommandPath}} [command] --help" (or "cdnwatch help [command]") for more about a command.{{end}}
`

// cobra's default help template, and the version template the command had.
const (
	templateHelp    = "{{with (or .Long .Short)}}{{. | trimTrailingWhitespaces}}\n\n{{end}}{{if or .Runnable .HasSubCommands}}{{.UsageString}}{{end}}"
	templateVersion = "cdnwatch {{.Version}}\n"
)

// helpRoots are a fresh command (flags keep their values, so one per run) and the same
// command on the templates, each writing to its own buffers.
func helpRoots() (root, ref *cobra.Command, out, errb, refOut, refErr *bytes.Buffer) {
	out, errb, refOut, refErr = new(bytes.Buffer), new(bytes.Buffer), new(bytes.Buffer), new(bytes.Buffer)
	getenv := func(string) string { return "" }
	root = (&app{io: Stdio{In: strings.NewReader(""), Out: out, Err: errb}, getenv: getenv}).root()
	ref = (&app{io: Stdio{In: strings.NewReader(""), Out: refOut, Err: refErr}, getenv: getenv}).root()
	ref.SetUsageFunc(nil)
	ref.SetHelpFunc(nil)
	ref.SetUsageTemplate(templateUsage)
	ref.SetHelpTemplate(templateHelp)
	ref.SetVersionTemplate(templateVersion)
	ref.Version = version()
	return root, ref, out, errb, refOut, refErr
}

// Every command's help (`CMD --help` and `help CMD`), its usage, the top-level help and
// --version print exactly what cobra's templates printed.
func TestHelpMatchesTheTemplates(t *testing.T) {
	// Execute once so cobra adds its own commands (help, completion), then list them all.
	root, _, _, _, _, _ := helpRoots()
	root.SetArgs([]string{"--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			if !sub.Hidden {
				walk(sub, append(append([]string(nil), path...), sub.Name()))
			}
		}
	}
	walk(root, nil)
	if len(paths) < 10 {
		t.Fatalf("only %d commands found: %v", len(paths), paths)
	}

	compare := func(args ...string) string {
		t.Helper()
		root, ref, out, errb, refOut, refErr := helpRoots()
		root.SetArgs(args)
		ref.SetArgs(args)
		err, refE := root.Execute(), ref.Execute()
		if (err == nil) != (refE == nil) {
			t.Errorf("%q: error %v, the templates' %v", args, err, refE)
		}
		if out.String() != refOut.String() || errb.String() != refErr.String() {
			t.Errorf("%q differs from the templates' output:\n--- Go (stdout)\n%s\n--- templates (stdout)\n%s\n--- Go (stderr)\n%s\n--- templates (stderr)\n%s",
				args, out.String(), refOut.String(), errb.String(), refErr.String())
		}
		if out.Len() == 0 {
			t.Errorf("%q printed nothing", args)
		}
		return out.String()
	}
	for _, p := range paths {
		compare(append(append([]string(nil), p...), "--help")...)
		if len(p) > 0 {
			compare(append([]string{"help"}, p...)...)
		}
		root, ref, _, _, _, _ := helpRoots()
		for _, r := range []*cobra.Command{root, ref} { // cobra's own commands, as Execute adds them
			r.InitDefaultHelpCmd()
		}
		c, _, err := root.Find(p)
		rc, _, rerr := ref.Find(p)
		if err != nil || rerr != nil {
			t.Fatalf("find %q: %v, %v", p, err, rerr)
		}
		if got, want := c.UsageString(), rc.UsageString(); got != want {
			t.Errorf("usage of %q:\n%s\nthe template's:\n%s", p, got, want)
		}
	}
	compare()
	compare("-v")
	compare("--help", "--version")
	if got := compare("--version", "--help"); !strings.HasPrefix(got, "cdnwatch watches") {
		t.Errorf("--version --help: %q, want the help", got)
	}
	if got, want := compare("--version"), "cdnwatch "+version()+"\n"; got != want {
		t.Errorf("--version: %q, want %q", got, want)
	}
}
