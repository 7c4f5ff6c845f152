"""The 12345 hotline (总客服): one ticket for every consultation, help request, complaint,
report, suggestion and praise, from any channel (phone agent, web, app, Open311, grid patrol),
dispatched by the responsibility list, handled against working-day deadlines, supervised,
replied to and called back."""
