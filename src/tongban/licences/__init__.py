"""Electronic licences (电子证照): the licence catalog (证照目录, GB/T 36902/36903), the licences
issued under it with their GB/T 36904 identifiers, and how they are issued, changed and used."""
