//go:build cdnwatch_volc_mcdn || !(cdnwatch_aliyun_cdn || cdnwatch_aliyun_dcdn || cdnwatch_aws_cloudfront || cdnwatch_tencent_cdn || cdnwatch_volc_cdn)

package all

import _ "cdnwatch/shared/provider/volcmcdn" // volc-mcdn
