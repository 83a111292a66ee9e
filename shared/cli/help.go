package cli

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/spf13/cobra"
)

// cobra renders help through text/template unless a command sets its own functions, and
// text/template calls reflect.Value.MethodByName, which turns off the linker's dead-code
// elimination of methods for the whole binary (the command was 37.5 MB with it). So the
// usage, the help and --version are written out in Go here; help_test.go keeps the
// template they replace and checks every command's output is byte-for-byte the same.

// usage is cobra's default usage plus two sections each command fills from its
// annotations: the environment variables it reads and its exit codes.
func usage(c *cobra.Command) error {
	var b strings.Builder
	b.WriteString("Usage:")
	if c.Runnable() {
		b.WriteString("\n  " + c.UseLine())
	}
	if c.HasAvailableSubCommands() {
		b.WriteString("\n  " + c.CommandPath() + " [command]")
	}
	if c.HasExample() {
		b.WriteString("\n\nExamples:\n" + c.Example)
	}
	if c.HasAvailableSubCommands() {
		b.WriteString("\n\nCommands:")
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() || sub.Name() == "help" {
				fmt.Fprintf(&b, "\n  %-*s %s", sub.NamePadding(), sub.Name(), sub.Short)
			}
		}
	}
	if c.HasAvailableLocalFlags() {
		b.WriteString("\n\nFlags:\n" + trimTrailingSpace(c.LocalFlags().FlagUsages()))
	}
	if c.HasAvailableInheritedFlags() {
		b.WriteString("\n\nGlobal Flags:\n" + trimTrailingSpace(c.InheritedFlags().FlagUsages()))
	}
	if env := c.Annotations["environment"]; env != "" {
		b.WriteString("\n\nEnvironment:\n" + env)
	}
	if codes := c.Annotations["exitcodes"]; codes != "" {
		b.WriteString("\n\nExit codes:\n" + codes)
	}
	if c.HasAvailableSubCommands() {
		b.WriteString("\n\nUse \"" + c.CommandPath() + " [command] --help\" (or \"cdnwatch help [command]\") for more about a command.")
	}
	b.WriteString("\n")
	_, err := io.WriteString(c.OutOrStderr(), b.String())
	return err
}

// help is cobra's default help (the long description, then the usage), and --version:
// with no Version set on the root, cobra answers `cdnwatch --version` by asking for help
// (the root runs nothing), so help prints the version when the flag is set and --help
// is not, which is the precedence cobra gives the two.
func help(c *cobra.Command, _ []string) {
	out := c.OutOrStdout()
	if !c.HasParent() {
		if v, _ := c.Flags().GetBool("version"); v {
			if h, _ := c.Flags().GetBool("help"); !h {
				fmt.Fprintf(out, "cdnwatch %s\n", version())
				return
			}
		}
	}
	text := c.Long
	if text == "" {
		text = c.Short
	}
	if text = trimTrailingSpace(text); text != "" {
		fmt.Fprintf(out, "%s\n\n", text)
	}
	if c.Runnable() || c.HasSubCommands() {
		io.WriteString(out, c.UsageString())
	}
}

// addVersionFlag is the flag cobra adds when Version is set, with its text.
func addVersionFlag(root *cobra.Command) {
	root.Flags().BoolP("version", "v", false, "version for "+root.Name())
	_ = root.Flags().SetAnnotation("version", cobra.FlagSetByCobraAnnotation, []string{"true"})
}

func trimTrailingSpace(s string) string { return strings.TrimRightFunc(s, unicode.IsSpace) }

// Environment sections, shared by the commands that read them.
const (
	envCredentials = `  ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET
                          aliyun-cdn, aliyun-dcdn (+ ALIBABA_CLOUD_SECURITY_TOKEN for STS;
                          or an Aliyun CLI profile or RAM role)
  VOLCENGINE_ACCESS_KEY, VOLCENGINE_SECRET_KEY
                          volc-cdn, volc-mcdn
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE
                          aws-cloudfront (the AWS default chain)
  TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY
                          tencent-cdn
  CDNWATCH_<PROVIDER>_ENDPOINT
                          another endpoint (a simulator), e.g. CDNWATCH_ALIYUN_CDN_ENDPOINT
  CDNWATCH_<PROVIDER>_QPS calls per second (default: the provider's documented limit)
  CDNWATCH_<PROVIDER>_LIST_QPS
                          listing calls per second, for sweeps
  CDNWATCH_INSTANCES      how many instances poll the account at once (each takes a share)
  CDNWATCH_CALL_TIMEOUT   the bound of each HTTP attempt, e.g. 10s`
	envChannels = `  CDNWATCH_SLACK_WEBHOOK_URL
                          Slack incoming webhook
  CDNWATCH_SLACK_BOT_TOKEN, CDNWATCH_SLACK_CHANNEL
                          Slack bot (one live message per watch)
  CDNWATCH_WEBHOOK_URL, CDNWATCH_WEBHOOK_SECRET
                          signed JSON webhook (Standard Webhooks)
  CDNWATCH_DINGTALK_WEBHOOK_URL, CDNWATCH_FEISHU_WEBHOOK_URL (each + _SECRET),
  CDNWATCH_WECOM_WEBHOOK_URL
                          group robots
  CDNWATCH_LANG           en or zh: the language of the messages`
	envCommon = `  CDNWATCH_STATE_KEY      HMAC key: documents that carry state must verify with it
  CDNWATCH_LOG_LEVEL      debug, info, warn (the command's default) or error`
)

func envHelp(parts ...string) string { return strings.Join(parts, "\n") }
