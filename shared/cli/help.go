package cli

import "strings"

// usageTemplate is cobra's, plus two sections each command fills from its annotations:
// the environment variables it reads and its exit codes.
const usageTemplate = `Usage:{{if .Runnable}}
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
