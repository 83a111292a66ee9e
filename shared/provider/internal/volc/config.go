package volc

import (
	"github.com/volcengine/volcengine-go-sdk/volcengine"
	"github.com/volcengine/volcengine-go-sdk/volcengine/client"
	"github.com/volcengine/volcengine-go-sdk/volcengine/corehandlers"
	"github.com/volcengine/volcengine-go-sdk/volcengine/credentials"
	"github.com/volcengine/volcengine-go-sdk/volcengine/endpoints"
	"github.com/volcengine/volcengine-go-sdk/volcengine/request"
	"github.com/volcengine/volcengine-go-sdk/volcengine/volcengineutil"
)

// Clients is the client.ConfigProvider the SDK's service clients are built from
// (cdn.New(b.Clients), mcdn.New(b.Clients)), in place of a session.Session.
//
// Why not a session: session.NewSession links the SDK's whole configuration machinery —
// the shared config file parser, credential_process, STS role chains, a YAML endpoint
// file resolver (gopkg.in/yaml.v2) and the defaults package — about 0.33 MB of the
// Lambda binary, none of which the drivers use: the endpoint is ours or the SDK's
// documented default, the region is fixed, credentials are given or come from the
// environment (and, in the command, the credentials file: UseCredentialsFile). Clients hands the service client what the session would have: the
// session's config with ours merged in, the request handlers of the SDK's
// defaults.Handlers (the service client then adds the signer, the protocol's
// marshalers and the user agent itself, as it does on a session), and the endpoint
// resolved by the same SDK function the session calls. All protocol work stays the
// SDK's.
type Clients struct {
	cfg      *volcengine.Config
	handlers request.Handlers
}

var _ client.ConfigProvider = Clients{}

// newClients starts from what session.NewSession sets before merging a caller's config
// (defaults.Config: no retries override, logging off) and lays ours over it.
func newClients(ours *volcengine.Config) Clients {
	cfg := volcengine.NewConfig().
		WithMaxRetries(volcengine.UseServiceDefaultRetries).
		WithLogLevel(volcengine.LogOff)
	cfg.MergeIn(ours)
	if cfg.Credentials == nil {
		cfg.Credentials = defaultCredentials()
	}
	return Clients{cfg: cfg, handlers: defaultHandlers()}
}

// With returns a copy whose clients use cfgs merged on top (as session.Copy does).
func (c Clients) With(cfgs ...*volcengine.Config) Clients {
	return Clients{cfg: c.cfg.Copy(cfgs...), handlers: c.handlers.Copy()}
}

// ClientConfig is session.Session.ClientConfig without the parts the drivers never
// reach: with no Config.Endpoint the endpoint comes from
// volcengineutil.GetDefaultEndpointByServiceInfo (the SDK's documented default for the
// service and region, what a session without an endpoint file resolves), else the
// given host with the scheme Config.DisableSSL picks; the request is signed for the
// configured region. The session's proxy handling touches only a bare *http.Transport,
// which our client never has (its transport already honours HTTP(S)_PROXY).
func (c Clients) ClientConfig(serviceName string, cfgs ...*volcengine.Config) client.Config {
	cfg := c.cfg.Copy(cfgs...)
	region := volcengine.StringValue(cfg.Region)
	if cfg.Endpoint == nil {
		cfg.Endpoint = volcengineutil.GetDefaultEndpointByServiceInfo(serviceName, region, cfg.BootstrapRegion, cfg.UseDualStack)
	}
	return client.Config{
		Config:        cfg,
		Handlers:      c.handlers.Copy(),
		Endpoint:      endpoints.AddScheme(volcengine.StringValue(cfg.Endpoint), volcengine.BoolValue(cfg.DisableSSL)),
		SigningRegion: region,
	}
}

// defaultHandlers is defaults.Handlers of volcengine-go-sdk v1.1.35, handler for
// handler (the session then removes ValidateParametersHandler, which that list never
// adds): endpoint check, the customer-request hook, Content-Length, the signature
// check, sending, the retry bookkeeping and the response-status check.
func defaultHandlers() request.Handlers {
	var h request.Handlers
	h.Validate.PushBackNamed(corehandlers.ValidateEndpointHandler)
	h.Validate.AfterEachFn = request.HandlerListStopOnError
	h.Build.PushBackNamed(corehandlers.CustomerRequestHandler)
	h.Build.AfterEachFn = request.HandlerListStopOnError
	h.Sign.PushBackNamed(corehandlers.BuildContentLengthHandler)
	h.Send.PushBackNamed(corehandlers.ValidateReqSigHandler)
	h.Send.PushBackNamed(corehandlers.SendHandler)
	h.AfterRetry.PushBackNamed(corehandlers.AfterRetryHandler)
	h.ValidateResponse.PushBackNamed(corehandlers.ValidateResponseHandler)
	return h
}

// defaultCredentials is the SDK's own chain (credentials.ChainProvider) for when neither
// the config nor VOLCENGINE_* give a key pair: the VOLCSTACK_* variables, then, in a
// binary that asked for it (UseCredentialsFile), the shared credentials file. Each is
// read on the first call; if none has keys, that call fails with NoCredentialProviders,
// which Error reports as missing credentials.
func defaultCredentials() *credentials.Credentials {
	chain := []credentials.Provider{&credentials.EnvProvider{}}
	if credentialsFile != nil {
		chain = append(chain, credentialsFile())
	}
	return credentials.NewChainCredentials(chain)
}

// credentialsFile makes the chain's file provider; nil leaves the file out.
var credentialsFile func() credentials.Provider

// UseCredentialsFile adds the provider newProvider makes (the SDK's
// credentials.SharedCredentialsProvider, for ~/.volcengine/credentials) to the end of
// the chain of every driver opened afterwards; nil removes it. shared/provider/volcchain
// calls it for the command. It is a hook rather than part of the chain because the
// provider's INI parser costs 66 KB that the functions, which have no home directory
// to read, would link for nothing. Call it before opening drivers (from an init).
func UseCredentialsFile(newProvider func() credentials.Provider) { credentialsFile = newProvider }
