package cdnsim

// credentialEnv names, per provider, the standard environment variables its SDK reads
// the key pair from. `cdnwatch sim` prints them so a pipeline under test can export the
// simulator's key pair. Add a row with each provider.
var credentialEnv = map[string][2]string{
	"aliyun-cdn":     {"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"},
	"aliyun-dcdn":    {"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"},
	"volc-mcdn":      {"VOLCENGINE_ACCESS_KEY", "VOLCENGINE_SECRET_KEY"},
	"volc-cdn":       {"VOLCENGINE_ACCESS_KEY", "VOLCENGINE_SECRET_KEY"},
	"aws-cloudfront": {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"},
	"tencent-cdn":    {"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"},
}

// CredentialEnv returns the environment variables holding provider's key id and secret;
// both are empty for a provider without a row.
func CredentialEnv(provider string) (idVar, secretVar string) {
	v := credentialEnv[provider]
	return v[0], v[1]
}

// Scope is the Watch-document scope a provider needs to find the simulator's tasks:
// CloudFront invalidations live in a distribution (CloudFrontDistributionID unless a task
// names another). Nil for providers that need none.
func Scope(provider string) map[string]string {
	if provider == "aws-cloudfront" {
		return map[string]string{"distributionId": CloudFrontDistributionID}
	}
	return nil
}
