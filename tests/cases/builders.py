"""Cases in the states staff actions start from, built through the real services, and a snapshot
of everything an action could change: shared by the refusal sweeps of the workbench pages and of
the staff API."""

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.conftest import GOOD_FORM
from tests.workbench.conftest import PDF
from tongban.cases import services
from tongban.cases.models import Case, CaseEvent, CaseMaterial, CaseTask


def with_upload(w):
    draft = services.case_create_draft(account=w.account, item_id=w.item.pk, form_data=GOOD_FORM)
    upload = SimpleUploadedFile("id.pdf", PDF, content_type="application/pdf")
    services.case_material_add(account=w.account, case_id=draft.pk, name="身份证", upload=upload)
    return services.case_submit(account=w.account, case_id=draft.pk)


def with_gaps(w):
    case = w.submitted(item=w.publish(accept_with_gaps=True))
    services.case_accept_with_gaps(staff=w.clerk_a, case_id=case.pk, gaps=["租赁合同"], days=5)
    return case


def commitment(w, approve=False):
    case = w.accepted(item=w.publish(commitment=True))
    if approve:
        services.case_commitment_approve(staff=w.reviewer_a, case_id=case.pk)
    return case


def decided(w, deliver=False):
    case = w.under_review()
    services.case_decide(staff=w.reviewer_a, case_id=case.pk, decision="approved")
    if deliver:
        services.case_deliver(staff=w.reviewer_a, case_id=case.pk, method="electronic")
    return case


def snapshot():
    """Everything a staff action could change."""
    return (
        list(
            Case.objects.order_by("pk").values_list("state", "gaps", "extension_days", "decision")
        ),
        list(Case.objects.order_by("pk").values_list("correction_proposals", flat=True)),
        CaseEvent.objects.count(),
        list(CaseMaterial.objects.order_by("pk").values_list("trust_level", flat=True)),
        list(CaseTask.objects.order_by("pk").values_list("state", "department_id", "decision")),
    )
