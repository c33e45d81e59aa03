"""Frameworks for tests, built through the real importer and services."""

from typing import Any

from cchc.frameworks.importers import read_framework_file
from cchc.frameworks.models import Framework
from cchc.frameworks.services import framework_import, framework_publish
from cchc.orgunits.models import OrgUnit

SMALL_FRAMEWORK = """code,parent_code,title,max_points,rule,section,self_scored,agency_code
1,,Chỉ đạo điều hành,7.5,sum,normal,có,
1.1,1,Kế hoạch CCHC,2.5,yes_no,normal,có,
1.2,1,Báo cáo định kỳ,1,deduction 0.25,normal,có,
1.3,1,Hoàn thành kế hoạch,4,tiers: 100=max; 80=2,normal,có,
2,,Thủ tục hành chính,8.5,sum,normal,có,
2.1,2,Hồ sơ đúng hạn,5,tiers: 100=max; 95=3; 90=1,normal,có,
2.2,2,Xin lỗi khi trễ hạn,3.5,ratio,normal,có,
DT,,Điều tra xã hội học,4,sum,normal,không,
DT.1,DT,Hài lòng,4,survey,normal,không,
TH,,Điểm thưởng,1,sum,bonus,có,
TH.1,TH,Sáng kiến,2,manual step=0.5,bonus,có,
"""


def make_framework(
    issuer: OrgUnit,
    *,
    text: str = SMALL_FRAMEWORK,
    publish: bool = False,
    name: str = "Bộ chỉ số thử",
    year: int = 2026,
    **extra: Any,
) -> Framework:
    content, agencies = read_framework_file(data=text.encode(), file_name="framework.csv")
    framework = framework_import(
        actor=None,
        issuer=issuer,
        content=content,
        agencies=agencies,
        name=name,
        year=year,
        unit_kinds=["ward", "commune"],
        **extra,
    )
    if publish:
        framework = framework_publish(actor=None, framework=framework)
    return framework
