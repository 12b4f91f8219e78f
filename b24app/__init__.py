"""b24-reglament application shell: web, storage, Bitrix24 client, CLI."""
