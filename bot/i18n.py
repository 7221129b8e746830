"""The bot's own words in the languages its users speak, English as the fallback.

Only the bot's fixed messages live here; card labels are in `bot.render`, and report
text comes from the engine in the requested language. Messages are plain text with
`{name}` fields; handlers HTML-escape them (and whatever fills the fields) before sending.
"""

from __future__ import annotations

SUPPORTED = ("en", "ru", "uk", "de", "es", "fr")

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "help": ("I check how well a news article is sourced: who says what, which claims can "
                 "be verified, the red flags, and what to check next.\n\n"
                 "• Forward me a post or an article, paste its text, or send a link.\n"
                 "• Reply to my card with a question about the article.\n"
                 "• In groups: reply /check to a message, or /check <link>. Admins can turn on "
                 "/autocheck for every link.\n\n"
                 "/settings — language, threshold, quotas · /privacy — what I store · "
                 "/forget — delete this chat's data"),
        "unsupported": ("I can check news articles: forward me a post, paste an article's text, "
                        "or send a link. /help says more."),
        "check_usage": "Reply /check to a message with an article or a link, or send /check <link>.",
        "nothing_to_check": ("That message has no article text or link I can check. "
                             "Reply /check to a post with an article or a link."),
        "llm_failed": ("The AI analysis is not available right now ({reason}); "
                       "this is the offline analysis."),
        "cached": "Checked earlier: the same article gives the same report.",
        "error": ("Something went wrong on my side while handling that. "
                  "Please try again in a minute."),
        "job_failed": ("I tried {count} times and could not finish handling that. It was not "
                       "counted against your quota; please try again in a few minutes."),
        "input_error": "{message}",
        "fetch_error": "I could not read that link: {message}",
        "quota_user": ("You have reached your limit of {limit} checks per {period}. "
                       "Try again after {time} UTC."),
        "quota_chat": ("This chat has reached its limit of {limit} checks per {period}. "
                       "Try again after {time} UTC."),
        "hour": "hour", "day": "day",
        "admins_only": "Only this group's admins can do that.",
        "autocheck_usage": "Use /autocheck on or /autocheck off.",
        "autocheck_private": "In a private chat I check everything you send; autocheck is for groups.",
        "autocheck_on": ("Autocheck is on: I will reply with a short card to every link posted "
                         "here{threshold}."),
        "autocheck_threshold": " rated {threshold}/5 or lower",
        "autocheck_off": "Autocheck is off. /check still works as a reply.",
        "autocheck_privacy": ("Note: with privacy mode on I only see commands and replies. "
                              "Make me an admin so I can see links posted here."),
        "settings_summary": ("Settings for this chat:\n"
                             "• language: {language}\n"
                             "• autocheck: {autocheck}\n"
                             "• threshold: {threshold}/5 (autocheck replies only at or below)\n"
                             "• quotas: {user_hour}/hour and {user_day}/day per person, "
                             "{chat_hour}/hour and {chat_day}/day for the chat\n\n"
                             "Change with: /settings language de · /settings threshold 2 · "
                             "/settings quota user hour 5 · /settings language auto"),
        "settings_saved": "Saved.",
        "settings_bad": ("I did not understand that. Examples: /settings language de · "
                         "/settings threshold 2 · /settings quota chat day 50"),
        "auto": "auto (each person's Telegram language)",
        "on": "on", "off": "off",
        "privacy": ("What I store, and for how long:\n"
                    "• the text of the articles you send me and my reports on them, the "
                    "questions you ask about them and my answers — so I can answer follow-up "
                    "questions and not analyse the same link twice;\n"
                    "• this chat's settings, and counters of checks per person and per chat "
                    "for the quotas.\n"
                    "Reports and questions are deleted after {days} days. /forget deletes "
                    "everything about this chat now (admins only in groups). With an AI model "
                    "configured, article text and questions are sent to it for analysis."),
        "forget_done": "Done: I deleted everything stored about this chat ({count} items).",
        "report_gone": "That report is no longer stored (deleted or expired). Send the article again.",
        "button_unknown": "This button no longer works. Send the article again for a new card.",
        "report_caption": "The full report (JSON).",
        "btn_claims": "Claims", "btn_sources": "Sources", "btn_next": "Next steps",
        "btn_report": "Report", "btn_back": "« Back",
        "followup_offline": ("Full answers to questions need an AI model, which is not available "
                             "here. From the offline analysis:"),
        "followup_sources": "Who the article cites",
        "followup_unverifiable": "Claims that cannot be verified from the article",
        "followup_anonymous": "Anonymous sources",
        "followup_none": "none found",
        "followup_next": "What to check next",
        "followup_failed": "I could not answer that right now ({reason}). Try again in a minute.",
        "checked_here": ("I checked this here in the last day: the card is the message this one "
                         "replies to."),
        "settings_quota_help": ("Quotas: a chat can lower the bot's limits, never raise them. 0 or "
                                "“default” removes the chat's own limit (the bot's applies); ∞ means no"
                                " limit."),
        "privacy_counters": ("Quota counters (numbers of checks, no content) outlive /forget so "
                             "limits still hold; they expire after two days."),
        "next_forwarded": ("Look up where it was forwarded from ({origin}): who runs it, and whether it "
                           "names its sources elsewhere."),
    },
    "ru": {
        "help": ("Я проверяю, насколько хорошо статья подкреплена источниками: кто что говорит, "
                 "какие утверждения можно проверить, тревожные признаки и что проверить дальше.\n\n"
                 "• Перешлите мне пост или статью, вставьте текст или пришлите ссылку.\n"
                 "• Ответьте на мою карточку вопросом о статье.\n"
                 "• В группах: ответьте /check на сообщение или /check <ссылка>. Админы могут "
                 "включить /autocheck для всех ссылок.\n\n"
                 "/settings — язык, порог, лимиты · /privacy — что я храню · "
                 "/forget — удалить данные чата"),
        "unsupported": ("Я проверяю новостные статьи: перешлите пост, вставьте текст статьи "
                        "или пришлите ссылку. Подробнее — /help."),
        "check_usage": "Ответьте /check на сообщение со статьёй или ссылкой, или отправьте /check <ссылка>.",
        "nothing_to_check": ("В этом сообщении нет текста статьи или ссылки. "
                             "Ответьте /check на пост со статьёй или ссылкой."),
        "llm_failed": "ИИ-анализ сейчас недоступен ({reason}); это офлайн-анализ.",
        "cached": "Уже проверено: та же статья — тот же отчёт.",
        "error": "У меня что-то пошло не так. Попробуйте ещё раз через минуту.",
        "job_failed": ("Не удалось обработать это сообщение (попыток: {count}). В лимит проверок "
                       "оно не засчитано; попробуйте ещё раз через несколько минут."),
        "input_error": "Не могу это проверить: {message}",
        "fetch_error": "Не удалось прочитать ссылку: {message}",
        "quota_user": ("Вы исчерпали лимит: {limit} проверок в {period}. "
                       "Попробуйте после {time} UTC."),
        "quota_chat": ("Этот чат исчерпал лимит: {limit} проверок в {period}. "
                       "Попробуйте после {time} UTC."),
        "hour": "час", "day": "день",
        "admins_only": "Это могут делать только админы группы.",
        "autocheck_usage": "Используйте /autocheck on или /autocheck off.",
        "autocheck_private": "В личном чате я проверяю всё, что вы присылаете; автопроверка — для групп.",
        "autocheck_on": ("Автопроверка включена: я отвечу короткой карточкой на каждую ссылку "
                         "здесь{threshold}."),
        "autocheck_threshold": " с оценкой {threshold}/5 или ниже",
        "autocheck_off": "Автопроверка выключена. /check в ответ на сообщение по-прежнему работает.",
        "autocheck_privacy": ("Внимание: в режиме приватности я вижу только команды и ответы. "
                              "Сделайте меня админом, чтобы я видел ссылки."),
        "settings_summary": ("Настройки чата:\n"
                             "• язык: {language}\n"
                             "• автопроверка: {autocheck}\n"
                             "• порог: {threshold}/5 (автопроверка отвечает только при такой оценке или ниже)\n"
                             "• лимиты: {user_hour}/час и {user_day}/день на человека, "
                             "{chat_hour}/час и {chat_day}/день на чат\n\n"
                             "Изменить: /settings language ru · /settings threshold 2 · "
                             "/settings quota user hour 5 · /settings language auto"),
        "settings_saved": "Сохранено.",
        "settings_bad": ("Не понял. Примеры: /settings language ru · /settings threshold 2 · "
                         "/settings quota chat day 50"),
        "auto": "авто (язык Telegram каждого)",
        "on": "вкл", "off": "выкл",
        "privacy": ("Что я храню и как долго:\n"
                    "• тексты присланных статей и мои отчёты, ваши вопросы о них и мои ответы — "
                    "чтобы отвечать на уточняющие вопросы и не анализировать одну ссылку дважды;\n"
                    "• настройки чата и счётчики проверок для лимитов.\n"
                    "Отчёты и вопросы удаляются через {days} дн. /forget удаляет всё об этом "
                    "чате сразу (в группах — только админы). Если настроена ИИ-модель, текст "
                    "статьи и вопросы отправляются ей для анализа."),
        "forget_done": "Готово: я удалил всё, что хранил об этом чате ({count} записей).",
        "report_gone": "Этот отчёт больше не хранится (удалён или устарел). Пришлите статью снова.",
        "button_unknown": "Эта кнопка больше не работает. Пришлите статью снова, чтобы получить новую карточку.",
        "report_caption": "Полный отчёт (JSON).",
        "btn_claims": "Утверждения", "btn_sources": "Источники", "btn_next": "Что проверить",
        "btn_report": "Отчёт", "btn_back": "« Назад",
        "followup_offline": ("Для полных ответов нужна ИИ-модель, а она здесь недоступна. "
                             "По офлайн-анализу:"),
        "followup_sources": "На кого ссылается статья",
        "followup_unverifiable": "Утверждения, которые нельзя проверить по статье",
        "followup_anonymous": "Анонимные источники",
        "followup_none": "не найдено",
        "followup_next": "Что проверить дальше",
        "followup_failed": "Сейчас не могу ответить ({reason}). Попробуйте через минуту.",
        "checked_here": ("Я уже проверял это здесь за последние сутки: карточка — в сообщении, "
                         "на которое отвечает это."),
        "settings_quota_help": ("Квоты: чат может понизить лимиты бота, но не повысить. 0 или «default»"
                                " убирает собственный лимит чата (действует лимит бота); ∞ — без "
                                "ограничений."),
        "privacy_counters": ("Счётчики квот (число проверок, без содержимого) сохраняются после "
                             "/forget, чтобы лимиты действовали; они удаляются через два дня."),
        "next_forwarded": ("Выясните, откуда это переслано ({origin}): кто ведёт этот источник и называет ли"
                           " он свои источники в других публикациях."),
    },
    "uk": {
        "help": ("Я перевіряю, наскільки добре стаття підкріплена джерелами: хто що каже, які "
                 "твердження можна перевірити, тривожні ознаки і що перевірити далі.\n\n"
                 "• Перешліть мені допис або статтю, вставте текст чи надішліть посилання.\n"
                 "• Дайте відповідь на мою картку запитанням про статтю.\n"
                 "• У групах: відповідайте /check на повідомлення або /check <посилання>. Адміни "
                 "можуть увімкнути /autocheck для всіх посилань.\n\n"
                 "/settings — мова, поріг, ліміти · /privacy — що я зберігаю · "
                 "/forget — видалити дані чату"),
        "unsupported": ("Я перевіряю новинні статті: перешліть допис, вставте текст статті "
                        "або надішліть посилання. Докладніше — /help."),
        "check_usage": "Відповідайте /check на повідомлення зі статтею чи посиланням, або надішліть /check <посилання>.",
        "nothing_to_check": ("У цьому повідомленні немає тексту статті чи посилання. "
                             "Відповідайте /check на допис зі статтею або посиланням."),
        "llm_failed": "ШІ-аналіз зараз недоступний ({reason}); це офлайн-аналіз.",
        "cached": "Вже перевірено: та сама стаття — той самий звіт.",
        "error": "У мене щось пішло не так. Спробуйте ще раз за хвилину.",
        "job_failed": ("Не вдалося обробити це повідомлення (спроб: {count}). До ліміту перевірок "
                       "його не зараховано; спробуйте ще раз за кілька хвилин."),
        "input_error": "Не можу це перевірити: {message}",
        "fetch_error": "Не вдалося прочитати посилання: {message}",
        "quota_user": "Ви вичерпали ліміт: {limit} перевірок на {period}. Спробуйте після {time} UTC.",
        "quota_chat": "Цей чат вичерпав ліміт: {limit} перевірок на {period}. Спробуйте після {time} UTC.",
        "hour": "годину", "day": "день",
        "admins_only": "Це можуть робити лише адміни групи.",
        "autocheck_usage": "Використовуйте /autocheck on або /autocheck off.",
        "autocheck_private": "В особистому чаті я перевіряю все, що ви надсилаєте; автоперевірка — для груп.",
        "autocheck_on": ("Автоперевірку увімкнено: я відповім короткою карткою на кожне посилання "
                         "тут{threshold}."),
        "autocheck_threshold": " з оцінкою {threshold}/5 або нижче",
        "autocheck_off": "Автоперевірку вимкнено. /check у відповідь на повідомлення працює й далі.",
        "autocheck_privacy": ("Увага: у режимі приватності я бачу лише команди та відповіді. "
                              "Зробіть мене адміном, щоб я бачив посилання."),
        "settings_summary": ("Налаштування чату:\n"
                             "• мова: {language}\n"
                             "• автоперевірка: {autocheck}\n"
                             "• поріг: {threshold}/5 (автоперевірка відповідає лише за такої оцінки або нижче)\n"
                             "• ліміти: {user_hour}/год і {user_day}/день на людину, "
                             "{chat_hour}/год і {chat_day}/день на чат\n\n"
                             "Змінити: /settings language uk · /settings threshold 2 · "
                             "/settings quota user hour 5 · /settings language auto"),
        "settings_saved": "Збережено.",
        "settings_bad": ("Не зрозумів. Приклади: /settings language uk · /settings threshold 2 · "
                         "/settings quota chat day 50"),
        "auto": "авто (мова Telegram кожного)",
        "on": "увімк", "off": "вимк",
        "privacy": ("Що я зберігаю і як довго:\n"
                    "• тексти надісланих статей і мої звіти, ваші запитання про них і мої "
                    "відповіді — щоб відповідати на уточнення і не аналізувати одне посилання двічі;\n"
                    "• налаштування чату та лічильники перевірок для лімітів.\n"
                    "Звіти й запитання видаляються через {days} дн. /forget видаляє все про цей "
                    "чат одразу (у групах — лише адміни). Якщо налаштовано ШІ-модель, текст "
                    "статті та запитання надсилаються їй для аналізу."),
        "forget_done": "Готово: я видалив усе, що зберігав про цей чат ({count} записів).",
        "report_gone": "Цей звіт більше не зберігається (видалений або застарів). Надішліть статтю знову.",
        "button_unknown": "Ця кнопка більше не працює. Надішліть статтю знову, щоб отримати нову картку.",
        "report_caption": "Повний звіт (JSON).",
        "btn_claims": "Твердження", "btn_sources": "Джерела", "btn_next": "Що перевірити",
        "btn_report": "Звіт", "btn_back": "« Назад",
        "followup_offline": ("Для повних відповідей потрібна ШІ-модель, а вона тут недоступна. "
                             "За офлайн-аналізом:"),
        "followup_sources": "На кого посилається стаття",
        "followup_unverifiable": "Твердження, які не можна перевірити за статтею",
        "followup_anonymous": "Анонімні джерела",
        "followup_none": "не знайдено",
        "followup_next": "Що перевірити далі",
        "followup_failed": "Зараз не можу відповісти ({reason}). Спробуйте за хвилину.",
        "checked_here": ("Я вже перевіряв це тут за останню добу: картка — у повідомленні, на "
                         "яке відповідає це."),
        "settings_quota_help": ("Квоти: чат може знизити ліміти бота, але не підвищити. 0 або «default»"
                                " прибирає власний ліміт чату (діє ліміт бота); ∞ — без обмежень."),
        "privacy_counters": ("Лічильники квот (кількість перевірок, без вмісту) зберігаються після "
                             "/forget, щоб ліміти діяли; вони видаляються через два дні."),
        "next_forwarded": ("З'ясуйте, звідки це переслано ({origin}): хто веде це джерело і чи називає воно "
                           "свої джерела деінде."),
    },
    "de": {
        "help": ("Ich prüfe, wie gut ein Nachrichtenartikel belegt ist: wer was sagt, welche "
                 "Behauptungen überprüfbar sind, die Warnzeichen und was als Nächstes zu prüfen ist.\n\n"
                 "• Leite mir einen Beitrag oder Artikel weiter, füge den Text ein oder schick einen Link.\n"
                 "• Antworte auf meine Karte mit einer Frage zum Artikel.\n"
                 "• In Gruppen: antworte mit /check auf eine Nachricht oder /check <Link>. Admins "
                 "können /autocheck für alle Links einschalten.\n\n"
                 "/settings — Sprache, Schwelle, Kontingente · /privacy — was ich speichere · "
                 "/forget — Daten dieses Chats löschen"),
        "unsupported": ("Ich prüfe Nachrichtenartikel: leite mir einen Beitrag weiter, füge den "
                        "Text eines Artikels ein oder schick einen Link. Mehr unter /help."),
        "check_usage": "Antworte mit /check auf eine Nachricht mit Artikel oder Link, oder sende /check <Link>.",
        "nothing_to_check": ("Diese Nachricht enthält keinen Artikeltext und keinen Link. "
                             "Antworte mit /check auf einen Beitrag mit Artikel oder Link."),
        "llm_failed": "Die KI-Analyse ist gerade nicht verfügbar ({reason}); dies ist die Offline-Analyse.",
        "cached": "Schon geprüft: derselbe Artikel ergibt denselben Bericht.",
        "error": ("Bei mir ist etwas schiefgegangen. "
                  "Bitte versuch es in einer Minute noch einmal."),
        "job_failed": ("Ich konnte das nicht fertig bearbeiten (Versuche: {count}). Es zählt nicht "
                       "für dein Kontingent; versuch es in ein paar Minuten noch einmal."),
        "input_error": "Das kann ich nicht prüfen: {message}",
        "fetch_error": "Ich konnte den Link nicht lesen: {message}",
        "quota_user": ("Du hast dein Limit von {limit} Prüfungen pro {period} erreicht. "
                       "Versuch es nach {time} UTC wieder."),
        "quota_chat": ("Dieser Chat hat sein Limit von {limit} Prüfungen pro {period} erreicht. "
                       "Versucht es nach {time} UTC wieder."),
        "hour": "Stunde", "day": "Tag",
        "admins_only": "Das können nur die Admins dieser Gruppe.",
        "autocheck_usage": "Verwende /autocheck on oder /autocheck off.",
        "autocheck_private": "Im privaten Chat prüfe ich alles, was du schickst; Autocheck ist für Gruppen.",
        "autocheck_on": ("Autocheck ist an: Ich antworte mit einer kurzen Karte auf jeden Link "
                         "hier{threshold}."),
        "autocheck_threshold": " mit Bewertung {threshold}/5 oder niedriger",
        "autocheck_off": "Autocheck ist aus. /check als Antwort funktioniert weiterhin.",
        "autocheck_privacy": ("Hinweis: Im Datenschutzmodus sehe ich nur Befehle und Antworten. "
                              "Mach mich zum Admin, damit ich Links hier sehe."),
        "settings_summary": ("Einstellungen dieses Chats:\n"
                             "• Sprache: {language}\n"
                             "• Autocheck: {autocheck}\n"
                             "• Schwelle: {threshold}/5 (Autocheck antwortet nur bis zu dieser Bewertung)\n"
                             "• Kontingente: {user_hour}/Stunde und {user_day}/Tag pro Person, "
                             "{chat_hour}/Stunde und {chat_day}/Tag für den Chat\n\n"
                             "Ändern: /settings language de · /settings threshold 2 · "
                             "/settings quota user hour 5 · /settings language auto"),
        "settings_saved": "Gespeichert.",
        "settings_bad": ("Das habe ich nicht verstanden. Beispiele: /settings language de · "
                         "/settings threshold 2 · /settings quota chat day 50"),
        "auto": "automatisch (Telegram-Sprache jeder Person)",
        "on": "an", "off": "aus",
        "privacy": ("Was ich speichere und wie lange:\n"
                    "• den Text der Artikel, die du mir schickst, meine Berichte dazu, deine "
                    "Fragen und meine Antworten — damit ich Nachfragen beantworten kann und "
                    "denselben Link nicht zweimal analysiere;\n"
                    "• die Einstellungen dieses Chats und Zähler für die Kontingente.\n"
                    "Berichte und Fragen werden nach {days} Tagen gelöscht. /forget löscht sofort "
                    "alles über diesen Chat (in Gruppen nur Admins). Ist ein KI-Modell "
                    "eingerichtet, gehen Artikeltext und Fragen zur Analyse an das Modell."),
        "forget_done": "Erledigt: Ich habe alles über diesen Chat gelöscht ({count} Einträge).",
        "report_gone": "Dieser Bericht ist nicht mehr gespeichert (gelöscht oder abgelaufen). Schick den Artikel noch einmal.",
        "button_unknown": "Diese Schaltfläche funktioniert nicht mehr. Schick den Artikel noch einmal für eine neue Karte.",
        "report_caption": "Der vollständige Bericht (JSON).",
        "btn_claims": "Behauptungen", "btn_sources": "Quellen", "btn_next": "Nächste Schritte",
        "btn_report": "Bericht", "btn_back": "« Zurück",
        "followup_offline": ("Vollständige Antworten brauchen ein KI-Modell, das hier nicht "
                             "verfügbar ist. Aus der Offline-Analyse:"),
        "followup_sources": "Wen der Artikel zitiert",
        "followup_unverifiable": "Behauptungen, die sich aus dem Artikel nicht überprüfen lassen",
        "followup_anonymous": "Anonyme Quellen",
        "followup_none": "keine gefunden",
        "followup_next": "Was als Nächstes zu prüfen ist",
        "followup_failed": "Ich kann das gerade nicht beantworten ({reason}). Versuch es in einer Minute.",
        "checked_here": ("Das habe ich hier in den letzten 24 Stunden schon geprüft: Die Karte "
                         "ist die Nachricht, auf die diese antwortet."),
        "settings_quota_help": ("Kontingente: Ein Chat kann die Grenzen des Bots senken, nie erhöhen. 0"
                                " oder „default“ entfernt die eigene Grenze des Chats (es gilt die des "
                                "Bots); ∞ heißt unbegrenzt."),
        "privacy_counters": ("Kontingentzähler (Anzahl der Prüfungen, ohne Inhalt) bleiben nach "
                             "/forget bestehen, damit die Grenzen gelten; sie werden nach zwei Tagen"
                             " gelöscht."),
        "next_forwarded": ("Prüfe, woher es weitergeleitet wurde ({origin}): wer dahintersteht und ob dort "
                           "anderswo Quellen genannt werden."),
    },
    "es": {
        "help": ("Compruebo qué tan bien está respaldado un artículo: quién dice qué, qué "
                 "afirmaciones se pueden verificar, las señales de alerta y qué comprobar después.\n\n"
                 "• Reenvíame una publicación o un artículo, pega su texto o envía un enlace.\n"
                 "• Responde a mi tarjeta con una pregunta sobre el artículo.\n"
                 "• En grupos: responde /check a un mensaje, o /check <enlace>. Los admins pueden "
                 "activar /autocheck para todos los enlaces.\n\n"
                 "/settings — idioma, umbral, cuotas · /privacy — qué guardo · "
                 "/forget — borrar los datos de este chat"),
        "unsupported": ("Compruebo artículos de noticias: reenvíame una publicación, pega el texto "
                        "de un artículo o envía un enlace. Más en /help."),
        "check_usage": "Responde /check a un mensaje con un artículo o enlace, o envía /check <enlace>.",
        "nothing_to_check": ("Ese mensaje no tiene texto de artículo ni enlace. "
                             "Responde /check a una publicación con un artículo o enlace."),
        "llm_failed": "El análisis con IA no está disponible ahora ({reason}); este es el análisis sin conexión.",
        "cached": "Ya comprobado: el mismo artículo da el mismo informe.",
        "error": "Algo falló por mi parte. Inténtalo de nuevo en un minuto.",
        "job_failed": ("No pude terminar de procesar esto (intentos: {count}). No cuenta para tu "
                       "límite; inténtalo de nuevo en unos minutos."),
        "input_error": "No puedo comprobar eso: {message}",
        "fetch_error": "No pude leer ese enlace: {message}",
        "quota_user": ("Has alcanzado tu límite de {limit} comprobaciones por {period}. "
                       "Inténtalo después de las {time} UTC."),
        "quota_chat": ("Este chat ha alcanzado su límite de {limit} comprobaciones por {period}. "
                       "Inténtalo después de las {time} UTC."),
        "hour": "hora", "day": "día",
        "admins_only": "Solo los admins de este grupo pueden hacer eso.",
        "autocheck_usage": "Usa /autocheck on o /autocheck off.",
        "autocheck_private": "En un chat privado compruebo todo lo que envías; autocheck es para grupos.",
        "autocheck_on": ("Autocheck activado: responderé con una tarjeta breve a cada enlace "
                         "publicado aquí{threshold}."),
        "autocheck_threshold": " con nota {threshold}/5 o menos",
        "autocheck_off": "Autocheck desactivado. /check como respuesta sigue funcionando.",
        "autocheck_privacy": ("Nota: con el modo privado solo veo comandos y respuestas. "
                              "Hazme admin para ver los enlaces publicados aquí."),
        "settings_summary": ("Ajustes de este chat:\n"
                             "• idioma: {language}\n"
                             "• autocheck: {autocheck}\n"
                             "• umbral: {threshold}/5 (autocheck responde solo con esa nota o menos)\n"
                             "• cuotas: {user_hour}/hora y {user_day}/día por persona, "
                             "{chat_hour}/hora y {chat_day}/día para el chat\n\n"
                             "Cambiar: /settings language es · /settings threshold 2 · "
                             "/settings quota user hour 5 · /settings language auto"),
        "settings_saved": "Guardado.",
        "settings_bad": ("No lo entendí. Ejemplos: /settings language es · /settings threshold 2 · "
                         "/settings quota chat day 50"),
        "auto": "automático (el idioma de Telegram de cada persona)",
        "on": "activado", "off": "desactivado",
        "privacy": ("Qué guardo y durante cuánto tiempo:\n"
                    "• el texto de los artículos que me envías y mis informes, tus preguntas "
                    "y mis respuestas — para responder preguntas de seguimiento y no analizar "
                    "el mismo enlace dos veces;\n"
                    "• los ajustes de este chat y contadores de comprobaciones para las cuotas.\n"
                    "Informes y preguntas se borran a los {days} días. /forget borra ahora todo "
                    "lo de este chat (en grupos, solo admins). Con un modelo de IA configurado, "
                    "el texto del artículo y las preguntas se le envían para el análisis."),
        "forget_done": "Hecho: borré todo lo guardado sobre este chat ({count} elementos).",
        "report_gone": "Ese informe ya no está guardado (borrado o caducado). Envía el artículo de nuevo.",
        "button_unknown": "Este botón ya no funciona. Envía el artículo de nuevo para obtener una ficha nueva.",
        "report_caption": "El informe completo (JSON).",
        "btn_claims": "Afirmaciones", "btn_sources": "Fuentes", "btn_next": "Próximos pasos",
        "btn_report": "Informe", "btn_back": "« Volver",
        "followup_offline": ("Las respuestas completas necesitan un modelo de IA, que aquí no "
                             "está disponible. Según el análisis sin conexión:"),
        "followup_sources": "A quién cita el artículo",
        "followup_unverifiable": "Afirmaciones que no se pueden verificar con el artículo",
        "followup_anonymous": "Fuentes anónimas",
        "followup_none": "ninguna",
        "followup_next": "Qué comprobar después",
        "followup_failed": "No puedo responder ahora ({reason}). Inténtalo en un minuto.",
        "checked_here": ("Ya lo comprobé aquí en las últimas 24 horas: la ficha es el mensaje al"
                         " que responde este."),
        "settings_quota_help": ("Cuotas: un chat puede bajar los límites del bot, nunca subirlos. 0 o "
                                "«default» quita el límite propio del chat (rige el del bot); ∞ "
                                "significa sin límite."),
        "privacy_counters": ("Los contadores de cuota (número de comprobaciones, sin contenido) "
                             "sobreviven a /forget para que los límites sigan valiendo; se borran a "
                             "los dos días."),
        "next_forwarded": ("Averigua de dónde se reenvió ({origin}): quién lo gestiona y si nombra sus "
                           "fuentes en otros sitios."),
    },
    "fr": {
        "help": ("Je vérifie si un article est bien sourcé : qui dit quoi, quelles affirmations "
                 "sont vérifiables, les signaux d'alerte et quoi vérifier ensuite.\n\n"
                 "• Transférez-moi une publication ou un article, collez son texte ou envoyez un lien.\n"
                 "• Répondez à ma fiche avec une question sur l'article.\n"
                 "• En groupe : répondez /check à un message, ou /check <lien>. Les admins peuvent "
                 "activer /autocheck pour tous les liens.\n\n"
                 "/settings — langue, seuil, quotas · /privacy — ce que je conserve · "
                 "/forget — effacer les données de ce chat"),
        "unsupported": ("Je vérifie des articles d'actualité : transférez-moi une publication, "
                        "collez le texte d'un article ou envoyez un lien. Plus d'infos : /help."),
        "check_usage": "Répondez /check à un message contenant un article ou un lien, ou envoyez /check <lien>.",
        "nothing_to_check": ("Ce message ne contient ni texte d'article ni lien. "
                             "Répondez /check à une publication avec un article ou un lien."),
        "llm_failed": "L'analyse par IA n'est pas disponible pour l'instant ({reason}) ; voici l'analyse hors ligne.",
        "cached": "Déjà vérifié : le même article donne la même fiche.",
        "error": ("Quelque chose s'est mal passé de mon côté. "
                  "Réessayez dans une minute."),
        "job_failed": ("Je n'ai pas pu terminer le traitement de ce message (tentatives : {count}). "
                       "Il n'est pas décompté de votre quota ; réessayez dans quelques minutes."),
        "input_error": "Je ne peux pas vérifier cela : {message}",
        "fetch_error": "Je n'ai pas pu lire ce lien : {message}",
        "quota_user": ("Vous avez atteint votre limite de {limit} vérifications par {period}. "
                       "Réessayez après {time} UTC."),
        "quota_chat": ("Ce chat a atteint sa limite de {limit} vérifications par {period}. "
                       "Réessayez après {time} UTC."),
        "hour": "heure", "day": "jour",
        "admins_only": "Seuls les admins de ce groupe peuvent faire cela.",
        "autocheck_usage": "Utilisez /autocheck on ou /autocheck off.",
        "autocheck_private": "En privé, je vérifie tout ce que vous envoyez ; autocheck est pour les groupes.",
        "autocheck_on": ("Autocheck activé : je répondrai par une fiche courte à chaque lien "
                         "publié ici{threshold}."),
        "autocheck_threshold": " noté {threshold}/5 ou moins",
        "autocheck_off": "Autocheck désactivé. /check en réponse fonctionne toujours.",
        "autocheck_privacy": ("Remarque : en mode confidentialité je ne vois que les commandes et "
                              "les réponses. Nommez-moi admin pour voir les liens publiés ici."),
        "settings_summary": ("Réglages de ce chat :\n"
                             "• langue : {language}\n"
                             "• autocheck : {autocheck}\n"
                             "• seuil : {threshold}/5 (autocheck ne répond qu'à cette note ou moins)\n"
                             "• quotas : {user_hour}/heure et {user_day}/jour par personne, "
                             "{chat_hour}/heure et {chat_day}/jour pour le chat\n\n"
                             "Modifier : /settings language fr · /settings threshold 2 · "
                             "/settings quota user hour 5 · /settings language auto"),
        "settings_saved": "Enregistré.",
        "settings_bad": ("Je n'ai pas compris. Exemples : /settings language fr · "
                         "/settings threshold 2 · /settings quota chat day 50"),
        "auto": "auto (la langue Telegram de chacun)",
        "on": "activé", "off": "désactivé",
        "privacy": ("Ce que je conserve, et combien de temps :\n"
                    "• le texte des articles envoyés et mes fiches, vos questions et mes "
                    "réponses — pour répondre aux questions de suivi et ne pas analyser deux "
                    "fois le même lien ;\n"
                    "• les réglages de ce chat et des compteurs de vérifications pour les quotas.\n"
                    "Fiches et questions sont effacées après {days} jours. /forget efface tout "
                    "sur ce chat immédiatement (admins seulement en groupe). Si un modèle d'IA "
                    "est configuré, le texte de l'article et les questions lui sont envoyés."),
        "forget_done": "C'est fait : j'ai effacé tout ce que je conservais sur ce chat ({count} éléments).",
        "report_gone": "Cette fiche n'est plus conservée (effacée ou expirée). Renvoyez l'article.",
        "button_unknown": "Ce bouton ne fonctionne plus. Renvoyez l'article pour obtenir une nouvelle fiche.",
        "report_caption": "Le rapport complet (JSON).",
        "btn_claims": "Affirmations", "btn_sources": "Sources", "btn_next": "À vérifier",
        "btn_report": "Rapport", "btn_back": "« Retour",
        "followup_offline": ("Des réponses complètes nécessitent un modèle d'IA, indisponible "
                             "ici. D'après l'analyse hors ligne :"),
        "followup_sources": "Qui l'article cite",
        "followup_unverifiable": "Affirmations invérifiables à partir de l'article",
        "followup_anonymous": "Sources anonymes",
        "followup_none": "aucune",
        "followup_next": "Quoi vérifier ensuite",
        "followup_failed": "Je ne peux pas répondre pour l'instant ({reason}). Réessayez dans une minute.",
        "checked_here": ("Je l'ai déjà vérifié ici ces dernières 24 heures : la fiche est le "
                         "message auquel celui-ci répond."),
        "settings_quota_help": ("Quotas : un chat peut abaisser les limites du bot, jamais les relever."
                                " 0 ou « default » retire la limite propre au chat (celle du bot "
                                "s'applique) ; ∞ signifie sans limite."),
        "privacy_counters": ("Les compteurs de quota (nombre de vérifications, sans contenu) "
                             "survivent à /forget pour que les limites tiennent ; ils sont effacés "
                             "après deux jours."),
        "next_forwarded": ("Vérifiez d'où cela a été transféré ({origin}) : qui le gère, et s'il cite ses "
                           "sources ailleurs."),
    },
}


def base_language(code: str | None) -> str | None:
    """`pt-BR` -> `pt`; None or blank stays None."""
    if not code or not code.strip():
        return None
    return code.strip().replace("_", "-").split("-")[0].lower()


def resolve_language(chat_language: str | None, user_language: str | None,
                     default: str = "en") -> str:
    """The chat's chosen language, else the person's Telegram language, else `default`.

    Unsupported codes are kept: the engine's LLM can write a report in them, and `t`
    falls back to English for the bot's own lines.
    """
    return base_language(chat_language) or base_language(user_language) or default


def t(language: str | None, key: str, /, **fields: object) -> str:
    """The message `key` in `language` (English when missing), with `fields` filled in."""
    table = MESSAGES.get(base_language(language) or "en", MESSAGES["en"])
    template = table.get(key) or MESSAGES["en"][key]
    return template.format(**fields) if fields else template
