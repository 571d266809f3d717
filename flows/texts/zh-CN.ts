/** 简体中文: the default catalog. `{amount}` and `{balance}` arrive formatted as `¥12.50`. */
export const zhCN = {
  'notify.opened':
    '您的手机钱包已开通。初始登录密码:{password},初始支付密码:{pin}。请尽快发送GM 旧密码 新密码修改支付密码。',
  'notify.topup': '您已充值{amount},余额{balance}。',
  'notify.payment': '您已向{merchant}支付{amount},余额{balance}。',
  'notify.transfer.out': '您已向{to}转账{amount},余额{balance}。',
  'notify.transfer.in': '{from}向您转账{amount},余额{balance}。',
  'notify.refund': '{merchant}退款{amount}已到账,余额{balance}。',
  'notify.reversal': '您向{merchant}的支付{amount}已冲正,余额{balance}。',
  'notify.payout': '{merchant}向您派奖{amount},余额{balance}。',
  'notify.hold': '{merchant}请求您支付{amount},已为您冻结该金额,请回复支付密码确认,回复QX取消。',
  'notify.hold.posted': '您已确认向{merchant}支付{amount},余额{balance}。',
  'notify.hold.voided': '{merchant}的{amount}支付请求已取消,冻结金额已释放。',
  'notify.frozen': '您的钱包已冻结。',
  'notify.frozen.until': '您的钱包已冻结,将于{date}自动解冻。',
  'notify.unfrozen': '您的钱包已解冻。',
  'notify.closed': '您的钱包已销户。',
  'notify.pin.changed': '您的支付密码已修改。如非本人操作,请立即致电客服。',
  'notify.pin.locked': '支付密码连续输错,支付功能已锁定至{until}。',
  'notify.limits': '您的支付限额已修改:单笔{perPayment},每日{daily}。',
} as const;

export type TextKey = keyof typeof zhCN;
