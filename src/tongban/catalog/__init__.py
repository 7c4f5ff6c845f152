"""Catalog: the city's service items (政务服务事项) with their versions, guides, materials and
forms, the themes (一件事) that bundle them, and the in-process Chinese search over what is
published. Other contexts read it through ``selectors`` and change it through ``services``."""
