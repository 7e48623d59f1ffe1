from ..admin.forms import InvitationForm


class FactoryInvitationForm(InvitationForm):
    """An invitation to this very factory: no role or brand to choose."""

    role = None
    buyer_organisation_id = None
