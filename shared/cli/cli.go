// Package cli is the cdnwatch command: watch, demo, sim, invoke, sweep, on spf13/cobra
// (conventional help on stdout, `help CMD`, --version, shell completion, suggestions).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"cdnwatch/shared/config"
	"cdnwatch/shared/provider"
)

// Exit codes of `cdnwatch watch` (docs/design.md "Exit codes").
const (
	ExitComplete = 0 // every task complete and every notice delivered
	ExitFailed   = 1 // at least one task failed or is unknown
	ExitUsage    = 2 // bad usage or configuration
	ExitTimeout  = 3 // timeout or interrupt with tasks still pending
	ExitRefused  = 4 // the provider (or a channel) refused our credentials, or bad ids
	ExitDelivery = 5 // every task complete, but a notice could not be delivered
)

// Stdio is the command's standard streams.
type Stdio struct {
	In       io.Reader
	Out, Err io.Writer
}

// exitError ends a command with a code; msg (when set) is printed as
// "cdnwatch CMD: msg" on stderr. Every refusal goes through it, so each is one or two
// lines and no prefix is repeated.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func exitf(code int, format string, a ...any) error {
	return &exitError{code: code, msg: fmt.Sprintf(format, a...)}
}

// exitCode ends a command with code and nothing more to say (it said it already).
func exitCode(code int) error {
	if code == 0 {
		return nil
	}
	return &exitError{code: code}
}

// app is what every sub-command shares.
type app struct {
	io     Stdio
	getenv config.Getenv
}

// Main runs the command and returns its exit code.
func Main(ctx context.Context, args []string, io Stdio, getenv config.Getenv) int {
	a := &app{io: io, getenv: getenv}
	root := a.root()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintf(io.Err, "%s: %s\n", cmd.CommandPath(), ee.msg)
		}
		return ee.code
	}
	// Everything else is cobra's or pflag's: an unknown command or flag, a bad value.
	fmt.Fprintf(io.Err, "%s: %s\n", cmd.CommandPath(), usageMessage(cmd, err))
	if cmd.HasParent() {
		fmt.Fprintf(io.Err, "Run '%s --help' for usage.\n", cmd.CommandPath())
	} else {
		fmt.Fprintln(io.Err, "Run 'cdnwatch --help' for usage.")
	}
	return ExitUsage
}

func (a *app) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "cdnwatch",
		Short: "Watch CDN refresh and prefetch tasks until they finish, and tell people",
		Long: `cdnwatch watches CDN cache refresh (purge) and prefetch (preload) tasks on Aliyun CDN/DCDN,
Volcengine CDN/MCDN, AWS CloudFront and Tencent CDN until they finish, and posts one notice
per failure plus a summary to Slack, a signed webhook, DingTalk, Feishu or WeCom.

Start with 'cdnwatch demo' (everything on the built-in simulator, no account needed).`,
		Example: `  cdnwatch demo
  cdnwatch watch --provider aliyun-cdn --task-id 17926841455,17926841456 --label "web v1.4.2"
  cdnwatch help watch`,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Suggest "watch" for "wacth".
		SuggestionsMinimumDistance: 2,
	}
	// Before the completion command is made: it keeps the writer it finds then.
	root.SetIn(a.io.In)
	root.SetOut(a.io.Out)
	root.SetErr(a.io.Err)
	// Help, usage and --version in Go, not cobra's templates (help.go says why).
	root.SetUsageFunc(usage)
	root.SetHelpFunc(help)
	addVersionFlag(root)
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(a.watchCmd(), a.refreshCmd(), a.prefetchCmd(), a.demoCmd(), a.simCmd(), a.invokeCmd(), a.sweepCmd())
	root.SetHelpCommand(helpCmd(root))
	for _, c := range root.Commands() {
		completeValues(c)
	}
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Annotations = map[string]string{"exitcodes": "  0  the script was printed\n  2  bad usage"}
		}
	}
	return root
}

// completeValues registers shell completion of the values of the --provider and --notify
// flags a command has.
func completeValues(cmd *cobra.Command) {
	fixed := func(vals []string) cobra.CompletionFunc {
		return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return vals, cobra.ShellCompDirectiveNoFileComp
		}
	}
	if cmd.Flags().Lookup("provider") != nil {
		_ = cmd.RegisterFlagCompletionFunc("provider", fixed(provider.Names()))
	}
	if cmd.Flags().Lookup("notify") != nil {
		names := make([]string, len(channelNames))
		for i, c := range channelNames {
			names[i] = c.name
		}
		_ = cmd.RegisterFlagCompletionFunc("notify", fixed(names))
	}
	if cmd.Flags().Lookup("runtime") != nil {
		_ = cmd.RegisterFlagCompletionFunc("runtime", fixed([]string{"lambda", "fc"}))
	}
}

// helpCmd is `cdnwatch help [command]`, which refuses an unknown command (exit 2, with a
// suggestion) instead of printing the top-level help as if all were well.
func helpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:         "help [command]",
		Short:       "Help about any command",
		Annotations: map[string]string{"exitcodes": "  0  the help was printed\n  2  no such command"},
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			var names []cobra.Completion
			for _, sub := range root.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					names = append(names, sub.Name())
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target, _, err := root.Find(args)
			if err != nil || target == nil || (len(args) > 0 && target == root) {
				msg := fmt.Sprintf("no command %q", strings.Join(args, " "))
				if s := root.SuggestionsFor(args[0]); len(s) > 0 {
					msg += fmt.Sprintf(" (did you mean %q?)", s[0])
				}
				return exitf(ExitUsage, "%s; the commands are in 'cdnwatch --help'", msg)
			}
			return target.Help()
		},
	}
}

// flagError turns pflag's errors into usage errors that name the flag, with a suggestion
// for an unknown flag close to a known one ("--task-ids" → "--task-id").
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		if s := closestFlag(cmd, name); s != "" {
			msg += fmt.Sprintf(" (did you mean --%s?)", s)
		}
	} else if sh, ok := strings.CutPrefix(msg, "unknown shorthand flag: "); ok {
		msg = "unknown flag " + sh + "; flags are long: --name"
	}
	// pflag passes strconv's wording through; say what is wanted instead.
	msg = strconvInt.ReplaceAllString(msg, "want a whole number")
	msg = strconvFloat.ReplaceAllString(msg, "want a number, e.g. 0.2")
	msg = strconvBool.ReplaceAllString(msg, "want true or false")
	return errors.New(msg)
}

var (
	strconvInt   = regexp.MustCompile(`strconv\.Parse(Int|Uint): parsing "[^"]*": (invalid syntax|value out of range)`)
	strconvFloat = regexp.MustCompile(`strconv\.ParseFloat: parsing "[^"]*": (invalid syntax|value out of range)`)
	strconvBool  = regexp.MustCompile(`strconv\.ParseBool: parsing "[^"]*": invalid syntax`)
)

func closestFlag(cmd *cobra.Command, name string) string {
	best, bestD := "", 3
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		d := levenshtein(name, f.Name)
		if strings.HasPrefix(name, f.Name) || strings.HasPrefix(f.Name, name) {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = f.Name, d
		}
	})
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// usageMessage words cobra's own errors; "unknown command" already carries its suggestion.
func usageMessage(_ *cobra.Command, err error) string {
	return strings.TrimSpace(strings.ReplaceAll(err.Error(), "\n\n", "\n"))
}

// noArgs refuses stray arguments by name.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q (every input is a --flag)", args[0])
	}
	return nil
}

// listValue collects repeatable, comma-separated values.
type listValue []string

func (l *listValue) String() string { return strings.Join(*l, ",") }
func (l *listValue) Type() string   { return "list" }
func (l *listValue) Set(v string) error {
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// mapValue collects key=value pairs.
type mapValue map[string]string

func (m mapValue) String() string {
	var parts []string
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}
func (m mapValue) Type() string { return "key=value" }
func (m mapValue) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want key=value, e.g. distributionId=E2ABC")
	}
	m[strings.TrimSpace(k)] = strings.TrimSpace(val)
	return nil
}

// durationValue is a time.Duration flag whose error shows the expected form: "30" alone
// is the most common mistake, and Go's "missing unit in duration" does not say which.
type durationValue struct {
	d   *time.Duration
	def string // shown in help; "" shows nothing
}

func (v durationValue) String() string {
	if v.d == nil || *v.d == 0 {
		return v.def
	}
	return v.d.String()
}
func (v durationValue) Type() string { return "duration" }
func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return errors.New("want a duration with a unit, e.g. 30s, 10m, 2h")
	}
	if d < 0 {
		return errors.New("must not be negative")
	}
	*v.d = d
	return nil
}

// durationFlag defines a duration flag with a help default of def (text, since several
// defaults depend on the document: "2h unless the document says").
func durationFlag(fs *pflag.FlagSet, p *time.Duration, name string, value time.Duration, def, usage string) {
	*p = value
	if def == "" && value != 0 {
		def = shortDuration(value)
	}
	fs.Var(durationValue{d: p, def: def}, name, usage)
}

// shortDuration writes 1m for 1m0s and 2h for 2h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
