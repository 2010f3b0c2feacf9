"""Cek KTP-el: the Telegram bot of Disdukcapil Kabupaten Musi Rawas."""
