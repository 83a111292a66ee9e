//go:build cdnwatch_aliyun_cdn || !(cdnwatch_aliyun_dcdn || cdnwatch_aws_cloudfront || cdnwatch_tencent_cdn || cdnwatch_volc_cdn || cdnwatch_volc_mcdn)

package all

import _ "cdnwatch/shared/provider/aliyuncdn" // aliyun-cdn
